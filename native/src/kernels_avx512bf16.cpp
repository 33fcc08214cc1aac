// Kernels for the "avx512bf16" instruction-set level (flags set in CMakeLists.txt).
#define NT_ISA_NS isa_avx512bf16
#define NT_ISA_NAME "avx512bf16"
#include "kernels.inc"
