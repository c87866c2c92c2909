"""From a call to a launch: the (M, L, K) view, the plan, the launch, the CPU fallback."""
