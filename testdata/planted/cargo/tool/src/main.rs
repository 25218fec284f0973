fn main() {
    let v = semver::Version::parse(env!("CARGO_PKG_VERSION")).expect("valid version");
    println!("planted-tool {} {}", v, hex::encode([v.major as u8, v.minor as u8, v.patch as u8]));
}
