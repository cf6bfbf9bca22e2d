//! Right-to-work check (placeholder until the holder and verifier land).
fn main() {
    println!("Citizen Wallet: the right-to-work flow arrives with the holder and verifier crates.");
}
