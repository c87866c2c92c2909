"""Target GPUs for the prompt's `# Target GPU` block: datasheet values, the seed's RTX 4090 entry
as the seed writes it, or the live device's properties."""

from dataclasses import dataclass


@dataclass
class Gpu:
    name: str
    architecture: str
    compute_capability: str
    sms: int
    bandwidth_gb_s: int
    tf32_tflops: float  # dense tensor-core throughput
    bf16_tflops: float
    fp16_tflops: float
    threads_per_sm: int
    warps_per_sm: int
    shared_per_sm_kb: int
    shared_per_block_kb: int
    l2_mb: int
    registers_per_thread: int = 255
    threads_per_block: int = 1024
    warp_size: int = 32

    def block(self) -> str:
        """The prompt's `# Target GPU` block, in the seed's words."""
        items = [
            f"Compute Capability: {self.compute_capability}",
            f"Number of SMs: {self.sms}",
            f"Memory Bandwidth: {self.bandwidth_gb_s} GB/s",
            f"TF32 Tensor Core TFLOPS: {self.tf32_tflops:g} with dense",
            f"BFLOAT16 Tensor Core TFLOPS: {self.bf16_tflops:g} with dense",
            f"FP16 Tensor Core TFLOPS: {self.fp16_tflops:g} with dense",
            f"Maximum number of registers per thread: {self.registers_per_thread}",
            f"Maximum threads per block: {self.threads_per_block}",
            f"Maximum threads per SM: {self.threads_per_sm}",
            f"Warp size: {self.warp_size}",
            f"Maximum concurrent warps per SM: {self.warps_per_sm}",
            f"Shared memory capacity per SM: {self.shared_per_sm_kb} KB",
            f"Maximum shared memory per thread block: {self.shared_per_block_kb} KB",
            f"L2 cache (global, all SM shared): {self.l2_mb} MB",
        ]
        return "\n".join([f"GPU Name: {self.name}", f"Architecture: {self.architecture}"]
                         + [f"\u2022 {item}" for item in items])


GPUS = {
    # the seed's own entry
    "4090": Gpu("4090", "Ada Lovelace", "8.9", 128, 1008, 82.6, 165.2, 165.2, 1536, 48, 100, 99, 72),
    "L40S": Gpu("L40S", "Ada Lovelace", "8.9", 142, 864, 183, 362, 362, 1536, 48, 100, 99, 96),
    "A100": Gpu("A100", "Ampere", "8.0", 108, 2039, 156, 312, 312, 2048, 64, 164, 163, 40),
    "H100": Gpu("H100", "Hopper", "9.0", 132, 3352, 494.7, 989.4, 989.4, 2048, 64, 228, 227, 50),
    "H200": Gpu("H200", "Hopper", "9.0", 132, 4800, 494.7, 989.4, 989.4, 2048, 64, 228, 227, 50),
}


def gpu_named(name: str) -> Gpu:
    """A GPU of the table by name (`4090`, `RTX 4090`, `h200` ...)."""
    key = name.upper().removeprefix("NVIDIA ").removeprefix("RTX ").strip()
    for known, gpu in GPUS.items():
        if key.startswith(known.upper()):
            return gpu
    raise KeyError(f"unknown GPU {name!r}; known: {', '.join(GPUS)} (or run on the GPU itself)")


def live_gpu() -> Gpu:
    """The current CUDA device: its table entry when it has one (with the device's own SM count:
    an H100 PCIe has fewer than the SXM the table describes), else what its properties tell
    (tensor-core throughput unknown: 0)."""
    import dataclasses

    import torch

    properties = torch.cuda.get_device_properties(torch.cuda.current_device())
    for known, gpu in GPUS.items():
        if known.upper() in properties.name.upper():
            return dataclasses.replace(gpu, sms=properties.multi_processor_count)
    architecture = {8: "Ampere or Ada", 9: "Hopper", 10: "Blackwell", 12: "Blackwell"}.get(properties.major,
                                                                                          "unknown")
    return Gpu(properties.name, architecture, f"{properties.major}.{properties.minor}",
               properties.multi_processor_count, 0, 0, 0, 0, properties.max_threads_per_multi_processor,
               properties.max_threads_per_multi_processor // 32,
               getattr(properties, "shared_memory_per_multiprocessor", 0) // 1024,
               getattr(properties, "shared_memory_per_block_optin", 0) // 1024,
               getattr(properties, "L2_cache_size", 0) // (1 << 20))
