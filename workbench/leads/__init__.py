"""Lead packets for law-enforcement referral: report, exports, provenance and a hash manifest."""
