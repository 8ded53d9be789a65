//go:build !purego

#include "textflag.h"

// Box tests of the four children of a bvh4Node, as hit4Go computes them
// (float64 slabs from the float32 planes, the same min/max pairing, no
// fused multiply-add, so that the results are bit-identical): SSE2 is part
// of the amd64 baseline, the AVX variant does the four children in one
// register. The plane rows come from byte offsets the ray carries
// (rayBox.near, far), so that the loads do not wait on arithmetic; the
// exit distances use the slack-scaled inverse (rayBox.fx…) and tMax·slack,
// so the final comparison is t0 <= t1 with nothing in between.
//
// bvh4Node: b[0][axis][child] lo planes at 16*axis, hi planes at 48+16*axis.
// rayBox: ix iy iz ox oy oz at 0..40, nx ny nz at 48 56 64, fx fy fz at
// 72 80 88, near[3] at 96, far[3] at 120, pfNodes pfPacks at 144 152.

// PREFETCH_HITS(mask) prefetches what the traversal reads next for every
// child hit: an interior child's node (rayBox.pfNodes + 128·child) or a
// leaf's first packet (rayBox.pfPacks + 144·(child>>2)), three lines from
// the start (a packet may straddle three). A prefetch never faults, so a
// packet base of 0 (the top level) is harmless; a node base of 0 turns it
// off. Clobbers BX CX R11-R15.
#define PREFETCH_HITS(mask) \
	MOVQ mask, R14 \
	MOVBQZX 120(SI), R13 \
	MOVQ 144(DI), R11 \
	MOVQ 152(DI), R12 \
	TESTQ R11, R11 \
	JZ pfdone \
pfloop: \
	TESTQ R14, R14 \
	JZ pfdone \
	BSFQ R14, CX \
	LEAQ -1(R14), R15 \
	ANDQ R15, R14 \
	MOVLQSX 96(SI)(CX*4), BX \
	MOVQ BX, R15 \
	SHLQ $7, R15 \
	ADDQ R11, R15 \
	SARQ $2, BX \
	IMULQ $144, BX \
	ADDQ R12, BX \
	BTQ CX, R13 \
	CMOVQCS BX, R15 \
	PREFETCHT0 0(R15) \
	PREFETCHT0 64(R15) \
	PREFETCHT0 143(R15) \
	JMP pfloop \
pfdone:

DATA hit4slack<>+0(SB)/8, $1.0000000000001
GLOBL hit4slack<>(SB), RODATA|NOPTR, $8

// func hit4(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int
// The traversal's entry: one call to the variant the CPU has.
TEXT ·hit4(SB), NOSPLIT, $0-40
	CMPB ·hasAVX(SB), $0
	JEQ sse2
	JMP ·hit4AVX(SB)
sse2:
	JMP ·hit4SSE2(SB)

// func hit4SSE2(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int
TEXT ·hit4SSE2(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), SI
	MOVQ r+8(FP), DI
	MOVQ t+24(FP), DX
	MOVQ 96(DI), AX
	MOVQ 120(DI), BX
	MOVQ 104(DI), CX
	MOVQ 128(DI), R8
	MOVQ 112(DI), R9
	MOVQ 136(DI), R10

	// x axis
	CVTPS2PD 0(SI)(AX*1), X0
	CVTPS2PD 8(SI)(AX*1), X1
	CVTPS2PD 0(SI)(BX*1), X2
	CVTPS2PD 8(SI)(BX*1), X3
	MOVSD 24(DI), X12
	UNPCKLPD X12, X12
	SUBPD X12, X0
	SUBPD X12, X1
	SUBPD X12, X2
	SUBPD X12, X3
	MOVSD 0(DI), X13
	UNPCKLPD X13, X13
	MOVSD 72(DI), X14
	UNPCKLPD X14, X14
	MULPD X13, X0
	MULPD X13, X1
	MULPD X14, X2
	MULPD X14, X3

	// y axis
	CVTPS2PD 0(SI)(CX*1), X4
	CVTPS2PD 8(SI)(CX*1), X5
	CVTPS2PD 0(SI)(R8*1), X6
	CVTPS2PD 8(SI)(R8*1), X7
	MOVSD 32(DI), X12
	UNPCKLPD X12, X12
	SUBPD X12, X4
	SUBPD X12, X5
	SUBPD X12, X6
	SUBPD X12, X7
	MOVSD 8(DI), X13
	UNPCKLPD X13, X13
	MOVSD 80(DI), X14
	UNPCKLPD X14, X14
	MULPD X13, X4
	MULPD X13, X5
	MULPD X14, X6
	MULPD X14, X7

	// z axis
	CVTPS2PD 0(SI)(R9*1), X8
	CVTPS2PD 8(SI)(R9*1), X9
	CVTPS2PD 0(SI)(R10*1), X10
	CVTPS2PD 8(SI)(R10*1), X11
	MOVSD 40(DI), X12
	UNPCKLPD X12, X12
	SUBPD X12, X8
	SUBPD X12, X9
	SUBPD X12, X10
	SUBPD X12, X11
	MOVSD 16(DI), X13
	UNPCKLPD X13, X13
	MOVSD 88(DI), X14
	UNPCKLPD X14, X14
	MULPD X13, X8
	MULPD X13, X9
	MULPD X14, X10
	MULPD X14, X11

	// t0 = max(max(x, y), max(z, 0)), t1 = min(min(x, y), min(z, tMax*slack))
	XORPD X12, X12
	MAXPD X12, X8
	MAXPD X12, X9
	MOVSD tMax+16(FP), X13
	MULSD hit4slack<>(SB), X13
	UNPCKLPD X13, X13
	MINPD X13, X10
	MINPD X13, X11
	MAXPD X4, X0
	MAXPD X5, X1
	MAXPD X8, X0
	MAXPD X9, X1
	MINPD X6, X2
	MINPD X7, X3
	MINPD X10, X2
	MINPD X11, X3
	MOVUPD X0, 0(DX)
	MOVUPD X1, 16(DX)

	// hit when t0 <= t1
	CMPPD X2, X0, $2
	CMPPD X3, X1, $2
	MOVMSKPD X0, AX
	MOVMSKPD X1, BX
	SHLQ $2, BX
	ORQ BX, AX
	MOVQ AX, ret+32(FP)
	PREFETCH_HITS(AX)
	RET

// func hit4AVX(n *bvh4Node, r *rayBox, tMax float64, t *[4]float64) int
TEXT ·hit4AVX(SB), NOSPLIT, $0-40
	MOVQ n+0(FP), SI
	MOVQ r+8(FP), DI
	MOVQ t+24(FP), DX
	MOVQ 96(DI), AX
	MOVQ 120(DI), BX
	MOVQ 104(DI), CX
	MOVQ 128(DI), R8
	MOVQ 112(DI), R9
	MOVQ 136(DI), R10
	VCVTPS2PD 0(SI)(AX*1), Y0
	VCVTPS2PD 0(SI)(BX*1), Y1
	VCVTPS2PD 0(SI)(CX*1), Y2
	VCVTPS2PD 0(SI)(R8*1), Y3
	VCVTPS2PD 0(SI)(R9*1), Y4
	VCVTPS2PD 0(SI)(R10*1), Y5

	// (plane - o) * inv: near planes with ix..., far planes with fx...
	VBROADCASTSD 24(DI), Y6
	VBROADCASTSD 32(DI), Y7
	VBROADCASTSD 40(DI), Y8
	VSUBPD Y6, Y0, Y0
	VSUBPD Y6, Y1, Y1
	VSUBPD Y7, Y2, Y2
	VSUBPD Y7, Y3, Y3
	VSUBPD Y8, Y4, Y4
	VSUBPD Y8, Y5, Y5
	VBROADCASTSD 0(DI), Y6
	VBROADCASTSD 72(DI), Y7
	VMULPD Y6, Y0, Y0
	VMULPD Y7, Y1, Y1
	VBROADCASTSD 8(DI), Y6
	VBROADCASTSD 80(DI), Y7
	VMULPD Y6, Y2, Y2
	VMULPD Y7, Y3, Y3
	VBROADCASTSD 16(DI), Y6
	VBROADCASTSD 88(DI), Y7
	VMULPD Y6, Y4, Y4
	VMULPD Y7, Y5, Y5

	// t0 = max(max(x, y), max(z, 0)), t1 = min(min(x, y), min(z, tMax*slack))
	VXORPD Y9, Y9, Y9
	VBROADCASTSD tMax+16(FP), Y10
	VBROADCASTSD hit4slack<>(SB), Y11
	VMULPD Y11, Y10, Y10
	VMAXPD Y9, Y4, Y4
	VMINPD Y10, Y5, Y5
	VMAXPD Y2, Y0, Y0
	VMINPD Y3, Y1, Y1
	VMAXPD Y4, Y0, Y0
	VMINPD Y5, Y1, Y1
	VMOVUPD Y0, 0(DX)

	// hit when t0 <= t1
	VCMPPD $2, Y1, Y0, Y0
	VMOVMSKPD Y0, AX
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	PREFETCH_HITS(AX)
	RET
