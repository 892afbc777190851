// Which of OpenBLAS's kernel sets runs the products. Debian's OpenBLAS is built for every x86 CPU
// (DYNAMIC_ARCH) and picks a set by the CPU's features when it loads: on an AMD Zen 4 that is the
// AVX-512 set (Cooperlake). Zen 4 executes each 512-bit instruction as two 256-bit halves, and there
// the AVX2 set (Haswell) is faster on the products convolutions make: measured on a Zen 4 EPYC, one
// thread, 16 images, each product with its bias and epilogue, the AVX2 set took 6.2-6.4 ms against
// 7.4 (M32 K128 N3136), 4.8 against 5.3 (M64 K256 N784), 47-48 against 53-54 (the 7x7 stem), and
// open-nsfw's batch of 16 ran 4-8% faster. Intel CPUs and Zen 5 have full-width AVX-512 units and
// keep OpenBLAS's own choice, as does anyone who sets OPENBLAS_CORETYPE.
//
// OpenBLAS reads the choice from the environment when it initialises, so it is set here, in a
// constructor: before main, while the process has one thread and setenv is safe. Child processes
// inherit it, which on the same CPU is the right choice for them too. setenv moves `environ` to the
// heap, which is where a statically linked Swift standard library looks for argv: statically linked
// binaries (the deploy build of bootstrap) read their arguments with LambdaRuntime's
// ProcessArguments, not CommandLine.
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

/// AMD family 19h (Zen 3 and Zen 4) with AVX-512: Zen 4.
static int is_zen4_with_avx512(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    char vendor[13];
    memcpy(vendor, &ebx, 4);
    memcpy(vendor + 4, &edx, 4);
    memcpy(vendor + 8, &ecx, 4);
    vendor[12] = 0;
    if (strcmp(vendor, "AuthenticAMD") != 0 || eax < 7) return 0;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    unsigned int family = ((eax >> 8) & 0xF) + (((eax >> 8) & 0xF) == 0xF ? ((eax >> 20) & 0xFF) : 0);
    if (family != 0x19) return 0;
    __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
    return (ebx >> 16) & 1;
}

__attribute__((constructor)) static void choose_openblas_kernels(void) {
    if (getenv("OPENBLAS_CORETYPE") == NULL && is_zen4_with_avx512()) setenv("OPENBLAS_CORETYPE", "Haswell", 0);
}
