//! Fuzzes the trust-policy readers: rensa's YAML policy, containers-policy.json import, and the
//! cosign signature-manifest reader; a policy that parses must write back (YAML, and
//! containers-policy.json when expressible) to something that parses again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rensa_trust::policy::Policy;

/// `cosign.pub` of ../shared/data/cosign.
const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEY3wzw+HJlzhcbSbNQ+aguK1yIfVc\nIWj5uhaJPkpSMpDdVkDhux8g2Ag9v1KLP8QrCFg+WDeH3t77ogNpJ58ezQ==\n-----END PUBLIC KEY-----\n";

fuzz_target!(|data: &[u8]| {
    let mut load = |_: &str| Ok(PEM.as_bytes().to_vec());
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(policy) = Policy::parse(text, "fuzz.yaml", &mut load)
    {
        let yaml = policy.to_yaml();
        Policy::parse(&yaml, "again.yaml", &mut load).expect("written policy parses");
        let _ = rensa_trust::containers_policy::export(&policy);
    }
    if let Ok(imported) = rensa_trust::containers_policy::import(data, "fuzz.json", &mut load) {
        let _ = imported.policy.to_yaml();
    }
    let _ = rensa_trust::cosign::layers(data);
});
