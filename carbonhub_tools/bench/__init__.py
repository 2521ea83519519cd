"""`carbon-hub bench`: measuring the hub from outside, against a storage baseline."""
