extern "C" int troupe_test_plain(int x) { return x + 1; }
