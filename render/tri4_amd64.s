//go:build !purego

#include "textflag.h"

// The watertight ray/triangle test (Woop, Benthin, Wald 2013) on the four
// lanes of a tri4, in the operation order of tri4.hit (tri4.go) and without
// fused multiply-add, so that every lane is bit-identical to it.
//
// tri4: v0x v0y v0z v1x v1y v1z v2x v2y v2z, each [4]float32, 16 bytes a row,
// widened to float64 as they are loaded (exact, as float64() in Go).
// wtRay: ox oy oz sx sy sz at 0..40, offx offy offz at 48 56 64.
// tri4Hit: t u v, each [4]float64.

DATA tri4one<>+0(SB)/8, $1.0
GLOBL tri4one<>(SB), RODATA|NOPTR, $8

// func tri4AVX(p *tri4, r *wtRay, tMax float64, out *tri4Hit) int
TEXT ·tri4AVX(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ r+8(FP), DI
	MOVQ out+24(FP), DX
	MOVQ 48(DI), AX
	MOVQ 56(DI), BX
	MOVQ 64(DI), CX

	VBROADCASTSD 0(DI), Y10
	VBROADCASTSD 8(DI), Y11
	VBROADCASTSD 16(DI), Y12
	VBROADCASTSD 24(DI), Y13
	VBROADCASTSD 32(DI), Y14
	VBROADCASTSD 40(DI), Y15

	// vertex 0: Ax Ay in Y0 Y1, Az in Y6
	VCVTPS2PD 0(SI)(CX*1), Y6
	VSUBPD Y12, Y6, Y6
	VCVTPS2PD 0(SI)(AX*1), Y0
	VSUBPD Y10, Y0, Y0
	VMULPD Y6, Y13, Y9
	VADDPD Y9, Y0, Y0
	VCVTPS2PD 0(SI)(BX*1), Y1
	VSUBPD Y11, Y1, Y1
	VMULPD Y6, Y14, Y9
	VADDPD Y9, Y1, Y1
	VMULPD Y6, Y15, Y6

	// vertex 1: Bx By in Y2 Y3, Bz in Y7
	VCVTPS2PD 48(SI)(CX*1), Y7
	VSUBPD Y12, Y7, Y7
	VCVTPS2PD 48(SI)(AX*1), Y2
	VSUBPD Y10, Y2, Y2
	VMULPD Y7, Y13, Y9
	VADDPD Y9, Y2, Y2
	VCVTPS2PD 48(SI)(BX*1), Y3
	VSUBPD Y11, Y3, Y3
	VMULPD Y7, Y14, Y9
	VADDPD Y9, Y3, Y3
	VMULPD Y7, Y15, Y7

	// vertex 2: Cx Cy in Y4 Y5, Cz in Y8
	VCVTPS2PD 96(SI)(CX*1), Y8
	VSUBPD Y12, Y8, Y8
	VCVTPS2PD 96(SI)(AX*1), Y4
	VSUBPD Y10, Y4, Y4
	VMULPD Y8, Y13, Y9
	VADDPD Y9, Y4, Y4
	VCVTPS2PD 96(SI)(BX*1), Y5
	VSUBPD Y11, Y5, Y5
	VMULPD Y8, Y14, Y9
	VADDPD Y9, Y5, Y5
	VMULPD Y8, Y15, Y8

	// U = Cx*By - Cy*Bx, V = Ax*Cy - Ay*Cx, W = Bx*Ay - By*Ax
	VMULPD Y3, Y4, Y10
	VMULPD Y2, Y5, Y11
	VSUBPD Y11, Y10, Y10
	VMULPD Y5, Y0, Y11
	VMULPD Y4, Y1, Y12
	VSUBPD Y12, Y11, Y11
	VMULPD Y1, Y2, Y12
	VMULPD Y0, Y3, Y13
	VSUBPD Y13, Y12, Y12

	// miss = (U<0 || V<0 || W<0) && (U>0 || V>0 || W>0)
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

	// det = U + V + W; valid = det != 0 && !miss
	VADDPD Y11, Y10, Y2
	VADDPD Y12, Y2, Y2
	VCMPPD $4, Y13, Y2, Y3
	VANDNPD Y3, Y0, Y0

	// T = U*Az + V*Bz + W*Cz; inv = 1/det; t u v
	VMULPD Y6, Y10, Y4
	VMULPD Y7, Y11, Y5
	VADDPD Y5, Y4, Y4
	VMULPD Y8, Y12, Y5
	VADDPD Y5, Y4, Y4
	VBROADCASTSD tri4one<>(SB), Y1
	VDIVPD Y2, Y1, Y1
	VMULPD Y1, Y4, Y4
	VMULPD Y1, Y11, Y11
	VMULPD Y1, Y12, Y12

	// valid &= t > 0 && t < tMax
	VCMPPD $14, Y13, Y4, Y5
	VANDPD Y5, Y0, Y0
	VBROADCASTSD tMax+16(FP), Y9
	VCMPPD $1, Y9, Y4, Y5
	VANDPD Y5, Y0, Y0

	VMOVUPD Y4, 0(DX)
	VMOVUPD Y11, 32(DX)
	VMOVUPD Y12, 64(DX)
	VMOVMSKPD Y0, AX
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
