//go:build !purego

#include "textflag.h"

// hit8Go with AVX, the eight children of a bvh8Node
// in one register, the same float32 operations in the same order (no
// fused multiply-add), so bit-identical. Then, as hit4AVX does, a prefetch
// of what comes next for every child hit: an interior child's node
// (pfNodes + 256·child, four lines) or a leaf's first packet (pfPacks +
// 144·(child>>2), three lines).
//
// bvh8Node: rows at 0..160 (32 bytes each), child at 192, leaf at 240.
// rayBox8: ox oy oz ix iy iz e at 0..24, near[3] at 32, far[3] at 56,
// pfNodes pfPacks at 80 88.

DATA hit8lo<>+0(SB)/4, $0.9999990463256836
GLOBL hit8lo<>(SB), RODATA|NOPTR, $4
DATA hit8hi<>+0(SB)/4, $1.0000009536743164
GLOBL hit8hi<>(SB), RODATA|NOPTR, $4

// func hit8(n *bvh8Node, r *rayBox8, tMax float32, t *[8]float32) int
TEXT ·hit8(SB), NOSPLIT, $0-40
	CMPB ·hasAVX(SB), $0
	JEQ nosimd
	MOVQ n+0(FP), SI
	MOVQ r+8(FP), DI
	MOVQ t+24(FP), DX
	MOVQ 32(DI), AX
	MOVQ 56(DI), BX
	MOVQ 40(DI), CX
	MOVQ 64(DI), R8
	MOVQ 48(DI), R9
	MOVQ 72(DI), R10
	VMOVUPS 0(SI)(AX*1), Y0
	VMOVUPS 0(SI)(BX*1), Y1
	VMOVUPS 0(SI)(CX*1), Y2
	VMOVUPS 0(SI)(R8*1), Y3
	VMOVUPS 0(SI)(R9*1), Y4
	VMOVUPS 0(SI)(R10*1), Y5

	// (plane - o) * inv
	VBROADCASTSS 0(DI), Y6
	VBROADCASTSS 4(DI), Y7
	VBROADCASTSS 8(DI), Y8
	VSUBPS Y6, Y0, Y0
	VSUBPS Y6, Y1, Y1
	VSUBPS Y7, Y2, Y2
	VSUBPS Y7, Y3, Y3
	VSUBPS Y8, Y4, Y4
	VSUBPS Y8, Y5, Y5
	VBROADCASTSS 12(DI), Y6
	VBROADCASTSS 16(DI), Y7
	VBROADCASTSS 20(DI), Y8
	VMULPS Y6, Y0, Y0
	VMULPS Y6, Y1, Y1
	VMULPS Y7, Y2, Y2
	VMULPS Y7, Y3, Y3
	VMULPS Y8, Y4, Y4
	VMULPS Y8, Y5, Y5

	// t0 = max(max(x, y), max(z, 0)), t1 = min(min(x, y), min(z, tMax))
	VXORPS Y9, Y9, Y9
	VBROADCASTSS tMax+16(FP), Y10
	VMAXPS Y9, Y4, Y4
	VMINPS Y10, Y5, Y5
	VMAXPS Y2, Y0, Y0
	VMINPS Y3, Y1, Y1
	VMAXPS Y4, Y0, Y0
	VMINPS Y5, Y1, Y1

	// lo = t0*lo - e, hi = t1*hi + e; hit when lo <= hi
	VBROADCASTSS hit8lo<>(SB), Y6
	VBROADCASTSS hit8hi<>(SB), Y7
	VBROADCASTSS 24(DI), Y8
	VMULPS Y6, Y0, Y0
	VMULPS Y7, Y1, Y1
	VSUBPS Y8, Y0, Y0
	VADDPS Y8, Y1, Y1
	VMOVUPS Y0, 0(DX)
	VCMPPS $2, Y1, Y0, Y0
	VMOVMSKPS Y0, AX
	VZEROUPPER
	MOVQ AX, ret+32(FP)

	// Prefetch what the traversal reads next.
	MOVQ AX, R14
	MOVBQZX 240(SI), R13
	MOVQ 80(DI), R11
	MOVQ 88(DI), R12
	TESTQ R11, R11
	JZ pfdone
pfloop:
	TESTQ R14, R14
	JZ pfdone
	BSFQ R14, CX
	LEAQ -1(R14), R15
	ANDQ R15, R14
	MOVLQSX 192(SI)(CX*4), BX
	BTQ CX, R13
	JCS pfleaf
	SHLQ $8, BX
	ADDQ R11, BX
	PREFETCHT0 0(BX)
	PREFETCHT0 64(BX)
	PREFETCHT0 128(BX)
	PREFETCHT0 192(BX)
	JMP pfloop
pfleaf:
	SARQ $2, BX
	IMULQ $144, BX
	ADDQ R12, BX
	PREFETCHT0 0(BX)
	PREFETCHT0 64(BX)
	PREFETCHT0 143(BX)
	JMP pfloop
pfdone:
	RET
nosimd:
	JMP ·hit8Go(SB)
