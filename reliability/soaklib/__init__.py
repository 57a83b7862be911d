"""quorumkv fault-injection soak: cluster control, client, nemesis, checker, report."""
