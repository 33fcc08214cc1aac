"""CUDA-event timing shared by the PyTorch peer scripts of the lab programs."""


def median_ms(torch, fn, reps, warmup=1):
    """Median milliseconds of fn() over reps runs, timed with CUDA events after warmup runs."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        e0 = torch.cuda.Event(enable_timing=True)
        e1 = torch.cuda.Event(enable_timing=True)
        e0.record()
        fn()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1))
    times.sort()
    return times[len(times) // 2]
