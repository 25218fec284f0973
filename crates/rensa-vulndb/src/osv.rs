//! osv (being written).
