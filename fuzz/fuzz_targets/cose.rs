#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = mdoc::cbor::decode(data) else {
        return;
    };
    if let Ok(sign1) = mdoc::cose::CoseSign1::from_value(&value) {
        let _ = sign1.x5chain();
        let key = p256::ecdsa::VerifyingKey::from(
            &mdoc::cose::CoseKey::from_bytes(
                citizen_wallet_fuzz::vector("e_device_key_bytes")
                    .get(4..)
                    .unwrap_or_default(),
            )
            .map(|k| *k.public_key())
            .unwrap_or_else(|_| unreachable!()),
        );
        let _ = sign1.verify(&key, None);
        let _ = sign1.verify(&key, Some(b"detached"));
    }
    if let Ok(mac0) = mdoc::cose::CoseMac0::from_value(&value) {
        let _ = mac0.verify(&[7; 32], b"detached");
    }
});
