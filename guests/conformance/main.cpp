int guest_main() { return 0; }
