//go:build !purego

#include "textflag.h"

// anyTri8AVX is anyTri8Go's whole loop (bvh8.go) in one function, so that
// the ray stays in registers from node to node: hit8's box test (the same
// float32 operations in the same order, so the same masks), the leaves'
// packets with tri4AVX's watertight test (the same float64 operations, so
// the same hits), the interior children on a stack in the frame (not
// zeroed: no pointers), and the first hit ends it. It returns 1 (hit),
// 0 (none), -1 when the stack would outgrow its 64 entries (the caller
// then runs anyTri8Go; the deepest stack seen is 15) or -2 when float32
// cannot carry the ray (newRayBox8's ok false; the 4-wide tree then).
//
// The ray's setup is done here from o and d, newRayBox8's and newWTRay's
// float64 operations in their order (so the same bits; TestTrav8AsmMatchesGo
// compares against the Go loops fed by them): no ray structs built in Go,
// copied and read back. Together with loading the arguments 8 bytes at a
// time (a 16-byte load of two 8-byte stores the caller just made waits for
// them instead of being forwarded: 4-6% of a render) and the closest-hit
// loop's prefetch moved into its pushes, samples/cpu-s rose 7-11%
// (docs/bench/README.txt, 2026-12-06 05:40).
//
// Registers in the node loop: SI the node, R8 the packets, R9 the
// frame's 32-byte aligned locals, R10 the stack's length; AX BX CX R11
// R12 R13 the row offsets near/far x, y, z (rayBox8); Y10-Y15 the origin
// and inverse direction broadcast, Y6 e, Y7 tMax (float32), Y8 Y9 the
// widening factors. The triangle test needs all sixteen vector registers,
// so they are reloaded from the locals after a node's leaves.
//
// Locals at R9: 0..160 ox oy oz ix iy iz (float32 x8), 192 e, 224 tMax32,
// 256 lo, 288 hi, 320 zero; 352..512 wtRay ox oy oz sx sy sz (float64
// x4), 544 tMax, 576 one; 608 offx offy offz, 632 nodes; 640..680 the row
// offsets; 704.. the stack (int32); 960..996 the setup's float32 o, 1/d
// and e.

DATA trav8lo<>+0(SB)/4, $0.9999990463256836
GLOBL trav8lo<>(SB), RODATA|NOPTR, $4
DATA trav8hi<>+0(SB)/4, $1.0000009536743164
GLOBL trav8hi<>(SB), RODATA|NOPTR, $4
DATA trav8one<>+0(SB)/8, $1.0
GLOBL trav8one<>(SB), RODATA|NOPTR, $8
DATA trav8tiny<>+0(SB)/8, $1e-20
GLOBL trav8tiny<>(SB), RODATA|NOPTR, $8
DATA trav8small<>+0(SB)/8, $1e-30
GLOBL trav8small<>(SB), RODATA|NOPTR, $8
DATA trav8big<>+0(SB)/8, $1e30
GLOBL trav8big<>(SB), RODATA|NOPTR, $8
DATA trav8abs<>+0(SB)/8, $0x7fffffffffffffff
GLOBL trav8abs<>(SB), RODATA|NOPTR, $8
DATA trav8neg<>+0(SB)/8, $0x8000000000000000
GLOBL trav8neg<>(SB), RODATA|NOPTR, $8
// trav8next[k] = (k+1)%3 for k < 4 (newWTRay's wtNext).
DATA trav8next<>+0(SB)/8, $1
DATA trav8next<>+8(SB)/8, $2
DATA trav8next<>+16(SB)/8, $0
DATA trav8next<>+24(SB)/8, $1
GLOBL trav8next<>(SB), RODATA|NOPTR, $32

// func anyTri8AVX(nodes *bvh8Node, packs *tri4, o, d Vec3, tMax float64) int
TEXT ·anyTri8AVX(SB), 0, $1088-80
	MOVQ nodes+0(FP), SI
	MOVQ packs+8(FP), R8
	LEAQ 31(SP), R9
	ANDQ $~31, R9

	// The ray's setup, newRayBox8's and newWTRay's operations in their
	// order (the same bits): Y0 d, Y1 o (fourth lanes 0). Loaded 8 bytes
	// at a time, as the caller stored them (a wider load would wait for
	// both stores instead of taking them from the store buffer).
	VMOVSD d_X+40(FP), X0
	VMOVHPD d_Y+48(FP), X0, X0
	VMOVSD d_Z+56(FP), X2
	VINSERTF128 $1, X2, Y0, Y0
	VMOVSD o_X+16(FP), X1
	VMOVHPD o_Y+24(FP), X1, X1
	VMOVSD o_Z+32(FP), X2
	VINSERTF128 $1, X2, Y1, Y1
	// inverseDir: Y2 = 1/d, a zero component replaced by 1e-20.
	VXORPD Y2, Y2, Y2
	VCMPPD $0, Y2, Y0, Y3
	VBROADCASTSD trav8tiny<>(SB), Y4
	VBLENDVPD Y3, Y4, Y0, Y3
	VBROADCASTSD trav8one<>(SB), Y4
	VDIVPD Y3, Y4, Y2
	// Float32 must carry it: 1e-30 < |1/d| < 1e30, |o| < 1e30 (NaN fails).
	VBROADCASTSD trav8abs<>(SB), Y15
	VANDPD Y15, Y2, Y3
	VBROADCASTSD trav8big<>(SB), Y5
	VBROADCASTSD trav8small<>(SB), Y7
	VCMPPD $1, Y5, Y3, Y6
	VCMPPD $14, Y7, Y3, Y8
	VANDPD Y8, Y6, Y6
	VANDPD Y15, Y1, Y8
	VCMPPD $1, Y5, Y8, Y8
	VANDPD Y8, Y6, Y6
	VMOVMSKPD Y6, DX
	CMPQ DX, $15
	JNE notbox
	// o and 1/d in float32, e = float32(2·max|o − float64(float32(o))|·|1/d| + 1e-30).
	VMOVMSKPD Y2, BX
	VCVTPD2PSY Y1, X8
	VCVTPD2PSY Y2, X9
	VMOVUPS X8, 960+0(R9)
	VMOVUPS X9, 960+16(R9)
	VCVTPS2PD X8, Y10
	VSUBPD Y10, Y1, Y10
	VANDPD Y15, Y10, Y10
	VMULPD Y3, Y10, Y10
	VPERMILPD $1, X10, X11
	VMAXSD X10, X11, X11
	VEXTRACTF128 $1, Y10, X12
	VMAXSD X11, X12, X11
	VADDSD X11, X11, X11
	VADDSD trav8small<>(SB), X11, X11
	VCVTSD2SS X11, X11, X11
	VMOVSS X11, 960+32(R9)

	// newWTRay: kz the axis of the largest |d| (the first of equal ones),
	// kx, ky the next two, swapped when d[kz] < 0; by CMOV, no branch.
	VANDPD Y15, Y0, Y4
	VPERMILPD $1, X4, X5
	VEXTRACTF128 $1, Y4, X6
	XORQ DX, DX
	MOVQ $1, R14
	VUCOMISD X4, X5
	CMOVQHI R14, DX
	VMAXSD X4, X5, X7
	MOVQ $2, R14
	VUCOMISD X7, X6
	CMOVQHI R14, DX
	LEAQ d_X+40(FP), DI
	VMOVSD (DI)(DX*8), X8
	LEAQ trav8next<>(SB), R14
	MOVQ (R14)(DX*8), R10
	MOVQ 8(R14)(DX*8), R15
	MOVQ R10, R14
	VXORPD X9, X9, X9
	VUCOMISD X8, X9
	CMOVQHI R15, R10
	CMOVQHI R14, R15
	// sx = -(d[kx]/dz), sy = -(d[ky]/dz), sz = 1/dz.
	VMOVSD (DI)(R10*8), X9
	VDIVSD X8, X9, X9
	VMOVSD (DI)(R15*8), X10
	VDIVSD X8, X10, X10
	VMOVSD trav8one<>(SB), X11
	VDIVSD X8, X11, X11
	VMOVSD trav8neg<>(SB), X12
	VXORPD X12, X9, X9
	VXORPD X12, X10, X10
	VMOVSD X9, 448(R9)
	VMOVSD X10, 480(R9)
	VMOVSD X11, 512(R9)
	VBROADCASTSD 448(R9), Y9
	VBROADCASTSD 480(R9), Y10
	VBROADCASTSD 512(R9), Y11
	VMOVUPD Y9, 448(R9)
	VMOVUPD Y10, 480(R9)
	VMOVUPD Y11, 512(R9)
	LEAQ o_X+16(FP), DI
	VBROADCASTSD (DI)(R10*8), Y9
	VBROADCASTSD (DI)(R15*8), Y10
	VBROADCASTSD (DI)(DX*8), Y11
	VMOVUPD Y9, 352(R9)
	VMOVUPD Y10, 384(R9)
	VMOVUPD Y11, 416(R9)
	SHLQ $4, R10
	SHLQ $4, R15
	SHLQ $4, DX
	MOVQ R10, 608(R9)
	MOVQ R15, 616(R9)
	MOVQ DX, 624(R9)

	// The box test's row offsets (near, far per axis) from the signs of
	// 1/d (never -0 here): 96 bytes further for a negative one.
	MOVQ BX, DX
	ANDQ $1, DX
	IMULQ $96, DX
	MOVQ DX, AX
	MOVQ $96, R14
	SUBQ DX, R14
	MOVQ BX, DX
	SHRQ $1, DX
	ANDQ $1, DX
	IMULQ $96, DX
	LEAQ 32(DX), CX
	MOVQ $128, R11
	SUBQ DX, R11
	SHRQ $2, BX
	ANDQ $1, BX
	IMULQ $96, BX
	LEAQ 64(BX), R12
	MOVQ $160, R13
	SUBQ BX, R13
	MOVQ R14, BX
	MOVQ AX, 640(R9)
	MOVQ BX, 648(R9)
	MOVQ CX, 656(R9)
	MOVQ R11, 664(R9)
	MOVQ R12, 672(R9)
	MOVQ R13, 680(R9)

	VBROADCASTSS 960+0(R9), Y10
	VBROADCASTSS 960+4(R9), Y11
	VBROADCASTSS 960+8(R9), Y12
	VBROADCASTSS 960+16(R9), Y13
	VBROADCASTSS 960+20(R9), Y14
	VBROADCASTSS 960+24(R9), Y15
	VBROADCASTSS 960+32(R9), Y6
	VBROADCASTSS trav8lo<>(SB), Y8
	VBROADCASTSS trav8hi<>(SB), Y9
	VMOVUPS Y10, 0(R9)
	VMOVUPS Y11, 32(R9)
	VMOVUPS Y12, 64(R9)
	VMOVUPS Y13, 96(R9)
	VMOVUPS Y14, 128(R9)
	VMOVUPS Y15, 160(R9)
	VMOVUPS Y6, 192(R9)
	VMOVUPS Y8, 256(R9)
	VMOVUPS Y9, 288(R9)
	VXORPS Y0, Y0, Y0
	VMOVUPS Y0, 320(R9)
	VBROADCASTSD trav8one<>(SB), Y0
	VMOVUPD Y0, 576(R9)
	MOVQ SI, 632(R9)
	VBROADCASTSD tMax+64(FP), Y0
	VMOVUPD Y0, 544(R9)
	VCVTSD2SS tMax+64(FP), X7, X7
	VMOVSS X7, 224(R9)
	VBROADCASTSS 224(R9), Y7
	VMOVUPS Y7, 224(R9)
	XORQ R10, R10

node:
	// hit8: (plane - o) * inv; t0 = max(max(x, y), max(z, 0)),
	// t1 = min(min(x, y), min(z, tMax)); lo = t0*lo - e, hi = t1*hi + e.
	VMOVUPS 0(SI)(AX*1), Y0
	VMOVUPS 0(SI)(BX*1), Y1
	VMOVUPS 0(SI)(CX*1), Y2
	VMOVUPS 0(SI)(R11*1), Y3
	VMOVUPS 0(SI)(R12*1), Y4
	VMOVUPS 0(SI)(R13*1), Y5
	VSUBPS Y10, Y0, Y0
	VSUBPS Y10, Y1, Y1
	VSUBPS Y11, Y2, Y2
	VSUBPS Y11, Y3, Y3
	VSUBPS Y12, Y4, Y4
	VSUBPS Y12, Y5, Y5
	VMULPS Y13, Y0, Y0
	VMULPS Y13, Y1, Y1
	VMULPS Y14, Y2, Y2
	VMULPS Y14, Y3, Y3
	VMULPS Y15, Y4, Y4
	VMULPS Y15, Y5, Y5
	VMAXPS 320(R9), Y4, Y4
	VMINPS Y7, Y5, Y5
	VMAXPS Y2, Y0, Y0
	VMINPS Y3, Y1, Y1
	VMAXPS Y4, Y0, Y0
	VMINPS Y5, Y1, Y1
	VMULPS Y8, Y0, Y0
	VMULPS Y9, Y1, Y1
	VSUBPS Y6, Y0, Y0
	VADDPS Y6, Y1, Y1
	VCMPPS $2, Y1, Y0, Y0
	VMOVMSKPS Y0, DX
	MOVBQZX 240(SI), R14
	ANDQ DX, R14
	JNZ leaves

inner:
	// The interior children hit, pushed in order of their slot (the
	// last one is taken next), each prefetched.
	MOVBQZX 240(SI), R15
	NOTQ R15
	ANDQ R15, DX
	JZ pop
	CMPQ R10, $56
	JA overflow
	MOVQ 632(R9), DI
push:
	BSFQ DX, R15
	MOVLQSX 192(SI)(R15*4), R14
	MOVL R14, 704(R9)(R10*4)
	INCQ R10
	SHLQ $8, R14
	ADDQ DI, R14
	PREFETCHT0 0(R14)
	PREFETCHT0 64(R14)
	PREFETCHT0 128(R14)
	PREFETCHT0 192(R14)
	LEAQ -1(DX), R15
	ANDQ R15, DX
	JNZ push

pop:
	TESTQ R10, R10
	JZ miss
	DECQ R10
	MOVLQSX 704(R9)(R10*4), SI
	SHLQ $8, SI
	ADDQ 632(R9), SI
	JMP node

leaves:
	// R14 the leaves hit; per leaf R15 its packet, DI past its last.
	MOVQ 608(R9), AX
	MOVQ 616(R9), BX
	MOVQ 624(R9), CX
leaf:
	BSFQ R14, R15
	MOVWQSX 224(SI)(R15*2), DI
	MOVLQSX 192(SI)(R15*4), R15
	SARQ $2, R15
	IMULQ $144, R15
	ADDQ R8, R15
	ADDQ $3, DI
	SHRQ $2, DI
	IMULQ $144, DI
	ADDQ R15, DI
packet:
	// tri4AVX on the packet at R15.
	VMOVUPD 352(R9), Y10
	VMOVUPD 384(R9), Y11
	VMOVUPD 416(R9), Y12
	VMOVUPD 448(R9), Y13
	VMOVUPD 480(R9), Y14
	VMOVUPD 512(R9), Y15

	VCVTPS2PD 0(R15)(CX*1), Y6
	VSUBPD Y12, Y6, Y6
	VCVTPS2PD 0(R15)(AX*1), Y0
	VSUBPD Y10, Y0, Y0
	VMULPD Y6, Y13, Y9
	VADDPD Y9, Y0, Y0
	VCVTPS2PD 0(R15)(BX*1), Y1
	VSUBPD Y11, Y1, Y1
	VMULPD Y6, Y14, Y9
	VADDPD Y9, Y1, Y1
	VMULPD Y6, Y15, Y6

	VCVTPS2PD 48(R15)(CX*1), Y7
	VSUBPD Y12, Y7, Y7
	VCVTPS2PD 48(R15)(AX*1), Y2
	VSUBPD Y10, Y2, Y2
	VMULPD Y7, Y13, Y9
	VADDPD Y9, Y2, Y2
	VCVTPS2PD 48(R15)(BX*1), Y3
	VSUBPD Y11, Y3, Y3
	VMULPD Y7, Y14, Y9
	VADDPD Y9, Y3, Y3
	VMULPD Y7, Y15, Y7

	VCVTPS2PD 96(R15)(CX*1), Y8
	VSUBPD Y12, Y8, Y8
	VCVTPS2PD 96(R15)(AX*1), Y4
	VSUBPD Y10, Y4, Y4
	VMULPD Y8, Y13, Y9
	VADDPD Y9, Y4, Y4
	VCVTPS2PD 96(R15)(BX*1), Y5
	VSUBPD Y11, Y5, Y5
	VMULPD Y8, Y14, Y9
	VADDPD Y9, Y5, Y5
	VMULPD Y8, Y15, Y8

	VMULPD Y3, Y4, Y10
	VMULPD Y2, Y5, Y11
	VSUBPD Y11, Y10, Y10
	VMULPD Y5, Y0, Y11
	VMULPD Y4, Y1, Y12
	VSUBPD Y12, Y11, Y11
	VMULPD Y1, Y2, Y12
	VMULPD Y0, Y3, Y13
	VSUBPD Y13, Y12, Y12

	VXORPD Y13, Y13, Y13
	VCMPPD $1, Y13, Y10, Y0
	VCMPPD $1, Y13, Y11, Y1
	VORPD Y1, Y0, Y0
	VCMPPD $1, Y13, Y12, Y1
	VORPD Y1, Y0, Y0
	VCMPPD $14, Y13, Y10, Y1
	VCMPPD $14, Y13, Y11, Y2
	VORPD Y2, Y1, Y1
	VCMPPD $14, Y13, Y12, Y2
	VORPD Y2, Y1, Y1
	VANDPD Y1, Y0, Y0

	VADDPD Y11, Y10, Y2
	VADDPD Y12, Y2, Y2
	VCMPPD $4, Y13, Y2, Y3
	VANDNPD Y3, Y0, Y0

	VMULPD Y6, Y10, Y4
	VMULPD Y7, Y11, Y5
	VADDPD Y5, Y4, Y4
	VMULPD Y8, Y12, Y5
	VADDPD Y5, Y4, Y4
	VMOVUPD 576(R9), Y1
	VDIVPD Y2, Y1, Y1
	VMULPD Y1, Y4, Y4

	VCMPPD $14, Y13, Y4, Y5
	VANDPD Y5, Y0, Y0
	VCMPPD $1, 544(R9), Y4, Y5
	VANDPD Y5, Y0, Y0
	VMOVMSKPD Y0, R11
	TESTQ R11, R11
	JNZ hit
	ADDQ $144, R15
	CMPQ R15, DI
	JB packet
	LEAQ -1(R14), R15
	ANDQ R15, R14
	JNZ leaf

	// Back to the box test's registers.
	MOVQ 640(R9), AX
	MOVQ 656(R9), CX
	MOVQ 648(R9), BX
	MOVQ 664(R9), R11
	VMOVUPS 0(R9), Y10
	VMOVUPS 32(R9), Y11
	VMOVUPS 64(R9), Y12
	VMOVUPS 96(R9), Y13
	VMOVUPS 128(R9), Y14
	VMOVUPS 160(R9), Y15
	VMOVUPS 192(R9), Y6
	VMOVUPS 224(R9), Y7
	VMOVUPS 256(R9), Y8
	VMOVUPS 288(R9), Y9
	JMP inner

hit:
	MOVQ $1, AX
	JMP done
miss:
	XORQ AX, AX
	JMP done
overflow:
	MOVQ $-1, AX
	JMP done
notbox:
	MOVQ $-2, AX
done:
	VZEROUPPER
	MOVQ AX, ret+72(FP)
	RET

// closestTri8AVX is traverseTris8Go's loop in assembly with AVX, in the
// same order, so with the same answer bit for bit: the node's box test
// (its entry bounds kept), its leaves in slot order with the lanes of each
// packet in order (a hit nearer than the current one replaces it, ties go
// to the first), then the interior children hit: one is taken, two are
// ordered by one comparison (the farther pushed), more are sorted by
// insertion (stable: ties keep slot order) and pushed farthest deepest;
// a child or popped node is taken only if its entry bound is within tMax.
// The box test's tMax (float32) is rounded again from tMax after a
// node's leaves. It returns 1 with the nearest hit's t in *tMax and its
// slot, u, v in h's Prim, U, V; 0: no hit (*tMax, h untouched); -1: stack
// overflow; -2: float32 cannot carry the ray. Only the children pushed on
// the stack are prefetched (their nodes' four lines), in the push: a
// separate loop over every child hit (nodes and leaves' first packets, as
// hit8 does) cost a branch per child and the loop's exit, and measured
// 2% slower (spheres and mesh).
//
// Locals as anyTri8AVX's, with 544 the current tMax (scalar), 704.. the
// stack (node int32, entry float32), 1216 the entry bounds, 1248 and 1280
// the sorted children and bounds, 1312 1344 1376 a packet's t u v, 1408
// found, 1416 slot, 1424 u, 1432 v, 1440..1476 the setup's float32 o,
// 1/d and e.

// func closestTri8AVX(nodes *bvh8Node, packs *tri4, o, d Vec3, tMax *float64, h *Hit) int
TEXT ·closestTri8AVX(SB), 0, $1568-88
	MOVQ nodes+0(FP), SI
	MOVQ packs+8(FP), R8
	LEAQ 31(SP), R9
	ANDQ $~31, R9

	// The ray's setup, newRayBox8's and newWTRay's operations in their
	// order (the same bits): Y0 d, Y1 o (fourth lanes 0). Loaded 8 bytes
	// at a time, as the caller stored them (a wider load would wait for
	// both stores instead of taking them from the store buffer).
	VMOVSD d_X+40(FP), X0
	VMOVHPD d_Y+48(FP), X0, X0
	VMOVSD d_Z+56(FP), X2
	VINSERTF128 $1, X2, Y0, Y0
	VMOVSD o_X+16(FP), X1
	VMOVHPD o_Y+24(FP), X1, X1
	VMOVSD o_Z+32(FP), X2
	VINSERTF128 $1, X2, Y1, Y1
	// inverseDir: Y2 = 1/d, a zero component replaced by 1e-20.
	VXORPD Y2, Y2, Y2
	VCMPPD $0, Y2, Y0, Y3
	VBROADCASTSD trav8tiny<>(SB), Y4
	VBLENDVPD Y3, Y4, Y0, Y3
	VBROADCASTSD trav8one<>(SB), Y4
	VDIVPD Y3, Y4, Y2
	// Float32 must carry it: 1e-30 < |1/d| < 1e30, |o| < 1e30 (NaN fails).
	VBROADCASTSD trav8abs<>(SB), Y15
	VANDPD Y15, Y2, Y3
	VBROADCASTSD trav8big<>(SB), Y5
	VBROADCASTSD trav8small<>(SB), Y7
	VCMPPD $1, Y5, Y3, Y6
	VCMPPD $14, Y7, Y3, Y8
	VANDPD Y8, Y6, Y6
	VANDPD Y15, Y1, Y8
	VCMPPD $1, Y5, Y8, Y8
	VANDPD Y8, Y6, Y6
	VMOVMSKPD Y6, DX
	CMPQ DX, $15
	JNE cnotbox
	// o and 1/d in float32, e = float32(2·max|o − float64(float32(o))|·|1/d| + 1e-30).
	VMOVMSKPD Y2, BX
	VCVTPD2PSY Y1, X8
	VCVTPD2PSY Y2, X9
	VMOVUPS X8, 1440+0(R9)
	VMOVUPS X9, 1440+16(R9)
	VCVTPS2PD X8, Y10
	VSUBPD Y10, Y1, Y10
	VANDPD Y15, Y10, Y10
	VMULPD Y3, Y10, Y10
	VPERMILPD $1, X10, X11
	VMAXSD X10, X11, X11
	VEXTRACTF128 $1, Y10, X12
	VMAXSD X11, X12, X11
	VADDSD X11, X11, X11
	VADDSD trav8small<>(SB), X11, X11
	VCVTSD2SS X11, X11, X11
	VMOVSS X11, 1440+32(R9)

	// newWTRay: kz the axis of the largest |d| (the first of equal ones),
	// kx, ky the next two, swapped when d[kz] < 0; by CMOV, no branch.
	VANDPD Y15, Y0, Y4
	VPERMILPD $1, X4, X5
	VEXTRACTF128 $1, Y4, X6
	XORQ DX, DX
	MOVQ $1, R14
	VUCOMISD X4, X5
	CMOVQHI R14, DX
	VMAXSD X4, X5, X7
	MOVQ $2, R14
	VUCOMISD X7, X6
	CMOVQHI R14, DX
	LEAQ d_X+40(FP), DI
	VMOVSD (DI)(DX*8), X8
	LEAQ trav8next<>(SB), R14
	MOVQ (R14)(DX*8), R10
	MOVQ 8(R14)(DX*8), R15
	MOVQ R10, R14
	VXORPD X9, X9, X9
	VUCOMISD X8, X9
	CMOVQHI R15, R10
	CMOVQHI R14, R15
	// sx = -(d[kx]/dz), sy = -(d[ky]/dz), sz = 1/dz.
	VMOVSD (DI)(R10*8), X9
	VDIVSD X8, X9, X9
	VMOVSD (DI)(R15*8), X10
	VDIVSD X8, X10, X10
	VMOVSD trav8one<>(SB), X11
	VDIVSD X8, X11, X11
	VMOVSD trav8neg<>(SB), X12
	VXORPD X12, X9, X9
	VXORPD X12, X10, X10
	VMOVSD X9, 448(R9)
	VMOVSD X10, 480(R9)
	VMOVSD X11, 512(R9)
	VBROADCASTSD 448(R9), Y9
	VBROADCASTSD 480(R9), Y10
	VBROADCASTSD 512(R9), Y11
	VMOVUPD Y9, 448(R9)
	VMOVUPD Y10, 480(R9)
	VMOVUPD Y11, 512(R9)
	LEAQ o_X+16(FP), DI
	VBROADCASTSD (DI)(R10*8), Y9
	VBROADCASTSD (DI)(R15*8), Y10
	VBROADCASTSD (DI)(DX*8), Y11
	VMOVUPD Y9, 352(R9)
	VMOVUPD Y10, 384(R9)
	VMOVUPD Y11, 416(R9)
	SHLQ $4, R10
	SHLQ $4, R15
	SHLQ $4, DX
	MOVQ R10, 608(R9)
	MOVQ R15, 616(R9)
	MOVQ DX, 624(R9)

	// The box test's row offsets (near, far per axis) from the signs of
	// 1/d (never -0 here): 96 bytes further for a negative one.
	MOVQ BX, DX
	ANDQ $1, DX
	IMULQ $96, DX
	MOVQ DX, AX
	MOVQ $96, R14
	SUBQ DX, R14
	MOVQ BX, DX
	SHRQ $1, DX
	ANDQ $1, DX
	IMULQ $96, DX
	LEAQ 32(DX), CX
	MOVQ $128, R11
	SUBQ DX, R11
	SHRQ $2, BX
	ANDQ $1, BX
	IMULQ $96, BX
	LEAQ 64(BX), R12
	MOVQ $160, R13
	SUBQ BX, R13
	MOVQ R14, BX
	MOVQ AX, 640(R9)
	MOVQ BX, 648(R9)
	MOVQ CX, 656(R9)
	MOVQ R11, 664(R9)
	MOVQ R12, 672(R9)
	MOVQ R13, 680(R9)

	VBROADCASTSS 1440+0(R9), Y10
	VBROADCASTSS 1440+4(R9), Y11
	VBROADCASTSS 1440+8(R9), Y12
	VBROADCASTSS 1440+16(R9), Y13
	VBROADCASTSS 1440+20(R9), Y14
	VBROADCASTSS 1440+24(R9), Y15
	VBROADCASTSS 1440+32(R9), Y6
	VBROADCASTSS trav8lo<>(SB), Y8
	VBROADCASTSS trav8hi<>(SB), Y9
	VMOVUPS Y10, 0(R9)
	VMOVUPS Y11, 32(R9)
	VMOVUPS Y12, 64(R9)
	VMOVUPS Y13, 96(R9)
	VMOVUPS Y14, 128(R9)
	VMOVUPS Y15, 160(R9)
	VMOVUPS Y6, 192(R9)
	VMOVUPS Y8, 256(R9)
	VMOVUPS Y9, 288(R9)
	VXORPS Y0, Y0, Y0
	VMOVUPS Y0, 320(R9)
	VBROADCASTSD trav8one<>(SB), Y0
	VMOVUPD Y0, 576(R9)
	MOVQ SI, 632(R9)
	MOVQ tMax+64(FP), DI
	MOVQ 0(DI), DX
	MOVQ DX, 544(R9)
	VCVTSD2SS 0(DI), X7, X7
	VMOVSS X7, 224(R9)
	VBROADCASTSS 224(R9), Y7
	VMOVUPS Y7, 224(R9)
	MOVQ $0, 1408(R9)
	XORQ R10, R10

cnode:
	VMOVUPS 0(SI)(AX*1), Y0
	VMOVUPS 0(SI)(BX*1), Y1
	VMOVUPS 0(SI)(CX*1), Y2
	VMOVUPS 0(SI)(R11*1), Y3
	VMOVUPS 0(SI)(R12*1), Y4
	VMOVUPS 0(SI)(R13*1), Y5
	VSUBPS Y10, Y0, Y0
	VSUBPS Y10, Y1, Y1
	VSUBPS Y11, Y2, Y2
	VSUBPS Y11, Y3, Y3
	VSUBPS Y12, Y4, Y4
	VSUBPS Y12, Y5, Y5
	VMULPS Y13, Y0, Y0
	VMULPS Y13, Y1, Y1
	VMULPS Y14, Y2, Y2
	VMULPS Y14, Y3, Y3
	VMULPS Y15, Y4, Y4
	VMULPS Y15, Y5, Y5
	VMAXPS 320(R9), Y4, Y4
	VMINPS Y7, Y5, Y5
	VMAXPS Y2, Y0, Y0
	VMINPS Y3, Y1, Y1
	VMAXPS Y4, Y0, Y0
	VMINPS Y5, Y1, Y1
	VMULPS Y8, Y0, Y0
	VMULPS Y9, Y1, Y1
	VSUBPS Y6, Y0, Y0
	VADDPS Y6, Y1, Y1
	VMOVUPS Y0, 1216(R9)
	VCMPPS $2, Y1, Y0, Y0
	VMOVMSKPS Y0, DX

	MOVBQZX 240(SI), R14
	ANDQ DX, R14
	JNZ cleaves

cinner:
	MOVBQZX 240(SI), R15
	NOTQ R15
	ANDQ R15, DX
	JZ cpop
	CMPQ R10, $56
	JA coverflow
	BSFQ DX, R15
	LEAQ -1(DX), R14
	ANDQ R14, DX
	JZ cone
	LEAQ -1(DX), R14
	TESTQ R14, DX
	JNZ cmany

	// Two: the farther one on the stack.
	BSFQ DX, R14
	VMOVSS 1216(R9)(R14*4), X0
	VUCOMISS 1216(R9)(R15*4), X0
	JPS cnoswap
	JAE cnoswap
	XCHGQ R14, R15
cnoswap:
	MOVLQSX 192(SI)(R14*4), DX
	MOVL DX, 704(R9)(R10*8)
	SHLQ $8, DX
	ADDQ 632(R9), DX
	PREFETCHT0 0(DX)
	PREFETCHT0 64(DX)
	PREFETCHT0 128(DX)
	PREFETCHT0 192(DX)
	MOVL 1216(R9)(R14*4), DX
	MOVL DX, 708(R9)(R10*8)
	INCQ R10

cone:
	// Take child R15 if its entry is within tMax.
	VCVTSS2SD 1216(R9)(R15*4), X0, X0
	VMOVSD 544(R9), X1
	VUCOMISD X1, X0
	JPS cpop
	JA cpop
	MOVLQSX 192(SI)(R15*4), SI
	SHLQ $8, SI
	ADDQ 632(R9), SI
	JMP cnode

cmany:
	// Insertion sort by entry: near at 1248, nearT at 1280, DI the count.
	VMOVSS 192(SI)(R15*4), X0
	VMOVSS X0, 1248(R9)
	VMOVSS 1216(R9)(R15*4), X0
	VMOVSS X0, 1280(R9)
	MOVQ $1, DI
csortk:
	BSFQ DX, R14
	VMOVSS 1216(R9)(R14*4), X2
	MOVQ DI, R15
csortj:
	TESTQ R15, R15
	JZ cins
	VMOVSS 1276(R9)(R15*4), X3
	VUCOMISS X2, X3
	JBE cins
	VMOVSS X3, 1280(R9)(R15*4)
	VMOVSS 1244(R9)(R15*4), X4
	VMOVSS X4, 1248(R9)(R15*4)
	DECQ R15
	JMP csortj
cins:
	VMOVSS X2, 1280(R9)(R15*4)
	VMOVSS 192(SI)(R14*4), X4
	VMOVSS X4, 1248(R9)(R15*4)
	INCQ DI
	LEAQ -1(DX), R14
	ANDQ R14, DX
	JNZ csortk
	DECQ DI
cpushm:
	MOVLQSX 1248(R9)(DI*4), R14
	MOVL R14, 704(R9)(R10*8)
	SHLQ $8, R14
	ADDQ 632(R9), R14
	PREFETCHT0 0(R14)
	PREFETCHT0 64(R14)
	PREFETCHT0 128(R14)
	PREFETCHT0 192(R14)
	VMOVSS 1280(R9)(DI*4), X0
	VMOVSS X0, 708(R9)(R10*8)
	INCQ R10
	DECQ DI
	JNZ cpushm
	VCVTSS2SD 1280(R9), X0, X0
	VMOVSD 544(R9), X1
	VUCOMISD X1, X0
	JPS cpop
	JA cpop
	MOVLQSX 1248(R9), SI
	SHLQ $8, SI
	ADDQ 632(R9), SI
	JMP cnode

cpop:
	TESTQ R10, R10
	JZ cfinish
	DECQ R10
	VCVTSS2SD 708(R9)(R10*8), X0, X0
	VMOVSD 544(R9), X1
	VUCOMISD X1, X0
	JPS cpop
	JA cpop
	MOVLQSX 704(R9)(R10*8), SI
	SHLQ $8, SI
	ADDQ 632(R9), SI
	JMP cnode

cleaves:
	// R14 the leaves hit; per leaf R15 its packet, DI past its last, R12
	// the packet's first slot.
	MOVQ 608(R9), AX
	MOVQ 616(R9), BX
	MOVQ 624(R9), CX
cleaf:
	BSFQ R14, R15
	MOVWQSX 224(SI)(R15*2), DI
	MOVLQSX 192(SI)(R15*4), R12
	MOVQ R12, R15
	SARQ $2, R15
	IMULQ $144, R15
	ADDQ R8, R15
	ADDQ $3, DI
	SHRQ $2, DI
	IMULQ $144, DI
	ADDQ R15, DI
cpacket:
	VMOVUPD 352(R9), Y10
	VMOVUPD 384(R9), Y11
	VMOVUPD 416(R9), Y12
	VMOVUPD 448(R9), Y13
	VMOVUPD 480(R9), Y14
	VMOVUPD 512(R9), Y15

	VCVTPS2PD 0(R15)(CX*1), Y6
	VSUBPD Y12, Y6, Y6
	VCVTPS2PD 0(R15)(AX*1), Y0
	VSUBPD Y10, Y0, Y0
	VMULPD Y6, Y13, Y9
	VADDPD Y9, Y0, Y0
	VCVTPS2PD 0(R15)(BX*1), Y1
	VSUBPD Y11, Y1, Y1
	VMULPD Y6, Y14, Y9
	VADDPD Y9, Y1, Y1
	VMULPD Y6, Y15, Y6

	VCVTPS2PD 48(R15)(CX*1), Y7
	VSUBPD Y12, Y7, Y7
	VCVTPS2PD 48(R15)(AX*1), Y2
	VSUBPD Y10, Y2, Y2
	VMULPD Y7, Y13, Y9
	VADDPD Y9, Y2, Y2
	VCVTPS2PD 48(R15)(BX*1), Y3
	VSUBPD Y11, Y3, Y3
	VMULPD Y7, Y14, Y9
	VADDPD Y9, Y3, Y3
	VMULPD Y7, Y15, Y7

	VCVTPS2PD 96(R15)(CX*1), Y8
	VSUBPD Y12, Y8, Y8
	VCVTPS2PD 96(R15)(AX*1), Y4
	VSUBPD Y10, Y4, Y4
	VMULPD Y8, Y13, Y9
	VADDPD Y9, Y4, Y4
	VCVTPS2PD 96(R15)(BX*1), Y5
	VSUBPD Y11, Y5, Y5
	VMULPD Y8, Y14, Y9
	VADDPD Y9, Y5, Y5
	VMULPD Y8, Y15, Y8

	VMULPD Y3, Y4, Y10
	VMULPD Y2, Y5, Y11
	VSUBPD Y11, Y10, Y10
	VMULPD Y5, Y0, Y11
	VMULPD Y4, Y1, Y12
	VSUBPD Y12, Y11, Y11
	VMULPD Y1, Y2, Y12
	VMULPD Y0, Y3, Y13
	VSUBPD Y13, Y12, Y12

	VXORPD Y13, Y13, Y13
	VCMPPD $1, Y13, Y10, Y0
	VCMPPD $1, Y13, Y11, Y1
	VORPD Y1, Y0, Y0
	VCMPPD $1, Y13, Y12, Y1
	VORPD Y1, Y0, Y0
	VCMPPD $14, Y13, Y10, Y1
	VCMPPD $14, Y13, Y11, Y2
	VORPD Y2, Y1, Y1
	VCMPPD $14, Y13, Y12, Y2
	VORPD Y2, Y1, Y1
	VANDPD Y1, Y0, Y0

	VADDPD Y11, Y10, Y2
	VADDPD Y12, Y2, Y2
	VCMPPD $4, Y13, Y2, Y3
	VANDNPD Y3, Y0, Y0

	VMULPD Y6, Y10, Y4
	VMULPD Y7, Y11, Y5
	VADDPD Y5, Y4, Y4
	VMULPD Y8, Y12, Y5
	VADDPD Y5, Y4, Y4
	VMOVUPD 576(R9), Y1
	VDIVPD Y2, Y1, Y1
	VMULPD Y1, Y4, Y4
	VMULPD Y1, Y11, Y11
	VMULPD Y1, Y12, Y12

	VCMPPD $14, Y13, Y4, Y5
	VANDPD Y5, Y0, Y0
	VBROADCASTSD 544(R9), Y9
	VCMPPD $1, Y9, Y4, Y5
	VANDPD Y5, Y0, Y0
	VMOVMSKPD Y0, R11
	TESTQ R11, R11
	JZ cnextpacket

	// The lanes in order: a nearer hit replaces the current one.
	VMOVUPD Y4, 1312(R9)
	VMOVUPD Y11, 1344(R9)
	VMOVUPD Y12, 1376(R9)
clane:
	BSFQ R11, R13
	VMOVSD 1312(R9)(R13*8), X0
	VMOVSD 544(R9), X1
	VUCOMISD X1, X0
	JAE cnextlane
	VMOVSD X0, 544(R9)
	MOVQ R12, 1416(R9)
	ADDQ R13, 1416(R9)
	VMOVSD 1344(R9)(R13*8), X0
	VMOVSD X0, 1424(R9)
	VMOVSD 1376(R9)(R13*8), X0
	VMOVSD X0, 1432(R9)
	MOVQ $1, 1408(R9)
cnextlane:
	LEAQ -1(R11), R13
	ANDQ R13, R11
	JNZ clane
cnextpacket:
	ADDQ $144, R15
	ADDQ $4, R12
	CMPQ R15, DI
	JB cpacket
	LEAQ -1(R14), R15
	ANDQ R15, R14
	JNZ cleaf

	// Back to the box test's registers, tMax (float32) from the new tMax.
	MOVQ 640(R9), AX
	MOVQ 648(R9), BX
	MOVQ 656(R9), CX
	MOVQ 664(R9), R11
	MOVQ 672(R9), R12
	MOVQ 680(R9), R13
	VMOVUPS 0(R9), Y10
	VMOVUPS 32(R9), Y11
	VMOVUPS 64(R9), Y12
	VMOVUPS 96(R9), Y13
	VMOVUPS 128(R9), Y14
	VMOVUPS 160(R9), Y15
	VMOVUPS 192(R9), Y6
	VMOVUPS 256(R9), Y8
	VMOVUPS 288(R9), Y9
	VCVTSD2SS 544(R9), X7, X7
	VMOVSS X7, 224(R9)
	VBROADCASTSS 224(R9), Y7
	JMP cinner

cfinish:
	MOVQ 1408(R9), AX
	TESTQ AX, AX
	JZ cdone
	MOVQ tMax+64(FP), DI
	MOVQ 544(R9), DX
	MOVQ DX, 0(DI)
	MOVQ h+72(FP), DI
	MOVQ 1416(R9), DX
	MOVL DX, 12(DI)
	MOVQ 1424(R9), DX
	MOVQ DX, 16(DI)
	MOVQ 1432(R9), DX
	MOVQ DX, 24(DI)
	JMP cdone
coverflow:
	MOVQ $-1, AX
	JMP cdone
cnotbox:
	MOVQ $-2, AX
cdone:
	VZEROUPPER
	MOVQ AX, ret+80(FP)
	RET
