// Kernels for the "avx2" instruction-set level (flags set in CMakeLists.txt).
#define NT_ISA_NS isa_avx2
#define NT_ISA_NAME "avx2"
#include "kernels.inc"
