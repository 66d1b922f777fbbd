// The tests here time recoveries (watchdog, resume within 5 s) and run servers of 10,000+ nodes: one at a time, so
// that they do not starve each other on a small machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
