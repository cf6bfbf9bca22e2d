package org.citizenwallet

import kotlin.system.exitProcess

/** Marks a test method (kotlin.test has no runner of its own outside JUnit). */
@Target(AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
annotation class Test

/**
 * A minimal test runner: runs every @Test method of the classes named on the command line,
 * prints one line per test and the closing line `kotlin: N passed, N failed`, and exits non-zero
 * when any test failed.
 */
fun main(args: Array<String>) {
    var passed = 0
    var failed = 0
    for (className in args) {
        val cls = Class.forName(className)
        for (method in cls.declaredMethods.filter { it.isAnnotationPresent(Test::class.java) }.sortedBy { it.name }) {
            val instance = cls.getDeclaredConstructor().newInstance()
            try {
                method.invoke(instance)
                passed++
                println("test ${cls.simpleName}.${method.name} ... ok")
            } catch (e: java.lang.reflect.InvocationTargetException) {
                failed++
                println("test ${cls.simpleName}.${method.name} ... FAILED: ${e.targetException}")
                e.targetException.printStackTrace()
            }
        }
    }
    println("kotlin: $passed passed, $failed failed")
    if (failed > 0 || passed == 0) exitProcess(1)
}
