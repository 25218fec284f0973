//! severity (being written).
