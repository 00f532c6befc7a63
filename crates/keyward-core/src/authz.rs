//! Authorization (filled with keyward-policy).
