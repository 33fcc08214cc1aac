// Kernels for the "avx512" instruction-set level (flags set in CMakeLists.txt).
#define NT_ISA_NS isa_avx512
#define NT_ISA_NAME "avx512"
#include "kernels.inc"
