//! config checks (being written).
