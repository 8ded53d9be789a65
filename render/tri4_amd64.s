#include "textflag.h"

// Möller-Trumbore on four triangles at once, in the operation order of
// intersectTri (mesh.go) and without fused multiply-add, so that every
// lane's t, u, v are bit-identical to the scalar test's.
//
// tri4: v0x v0y v0z e1x e1y e1z e2x e2y e2z, each [4]float64, at 32*i.
// triRay: ox oy oz dx dy dz at 0..40. tri4Hit: t u v, each [4]float64.

DATA tri4abs<>+0(SB)/8, $0x7fffffffffffffff
GLOBL tri4abs<>(SB), RODATA|NOPTR, $8
DATA tri4eps<>+0(SB)/8, $1e-14
GLOBL tri4eps<>(SB), RODATA|NOPTR, $8
DATA tri4one<>+0(SB)/8, $1.0
GLOBL tri4one<>(SB), RODATA|NOPTR, $8

// func tri4AVX(p *tri4, r *triRay, tMax float64, out *tri4Hit) int
TEXT ·tri4AVX(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ r+8(FP), DI
	MOVQ out+24(FP), DX

	VBROADCASTSD 24(DI), Y13
	VBROADCASTSD 32(DI), Y14
	VBROADCASTSD 40(DI), Y15
	VMOVUPD 192(SI), Y6
	VMOVUPD 224(SI), Y7
	VMOVUPD 256(SI), Y8

	// p = d × e2
	VMULPD Y8, Y14, Y0
	VMULPD Y7, Y15, Y3
	VSUBPD Y3, Y0, Y0
	VMULPD Y6, Y15, Y1
	VMULPD Y8, Y13, Y3
	VSUBPD Y3, Y1, Y1
	VMULPD Y7, Y13, Y2
	VMULPD Y6, Y14, Y3
	VSUBPD Y3, Y2, Y2

	// det = e1 · p
	VMOVUPD 96(SI), Y9
	VMOVUPD 128(SI), Y10
	VMOVUPD 160(SI), Y11
	VMULPD Y0, Y9, Y3
	VMULPD Y1, Y10, Y4
	VADDPD Y4, Y3, Y3
	VMULPD Y2, Y11, Y4
	VADDPD Y4, Y3, Y3

	// valid = |det| >= 1e-14; inv = 1/det
	VBROADCASTSD tri4abs<>(SB), Y4
	VANDPD Y4, Y3, Y5
	VBROADCASTSD tri4eps<>(SB), Y4
	VCMPPD $13, Y4, Y5, Y5
	VBROADCASTSD tri4one<>(SB), Y2
	VDIVPD Y3, Y2, Y4

	// s = o - v0
	VBROADCASTSD 0(DI), Y6
	VSUBPD 0(SI), Y6, Y6
	VBROADCASTSD 8(DI), Y7
	VSUBPD 32(SI), Y7, Y7
	VBROADCASTSD 16(DI), Y8
	VSUBPD 64(SI), Y8, Y8

	// u = (s · p) * inv, p in Y0 Y1 and Y2 reloaded below
	VMULPD Y0, Y6, Y0
	VMULPD Y1, Y7, Y1
	VADDPD Y1, Y0, Y0
	// p.Z was overwritten by 1.0: recompute it (d.X*e2.Y - d.Y*e2.X)
	VMULPD 224(SI), Y13, Y1
	VMULPD 192(SI), Y14, Y3
	VSUBPD Y3, Y1, Y1
	VMULPD Y1, Y8, Y1
	VADDPD Y1, Y0, Y0
	VMULPD Y4, Y0, Y0

	// valid &= u >= 0 && u <= 1
	VXORPD Y12, Y12, Y12
	VCMPPD $13, Y12, Y0, Y1
	VANDPD Y1, Y5, Y5
	VCMPPD $2, Y2, Y0, Y1
	VANDPD Y1, Y5, Y5

	// q = s × e1
	VMULPD Y11, Y7, Y1
	VMULPD Y10, Y8, Y3
	VSUBPD Y3, Y1, Y1
	VMULPD Y9, Y8, Y3
	VMULPD Y11, Y6, Y12
	VSUBPD Y12, Y3, Y3
	VMULPD Y10, Y6, Y11
	VMULPD Y9, Y7, Y12
	VSUBPD Y12, Y11, Y11

	// v = (d · q) * inv
	VMULPD Y1, Y13, Y6
	VMULPD Y3, Y14, Y7
	VADDPD Y7, Y6, Y6
	VMULPD Y11, Y15, Y7
	VADDPD Y7, Y6, Y6
	VMULPD Y4, Y6, Y6

	// valid &= v >= 0 && u+v <= 1
	VXORPD Y12, Y12, Y12
	VCMPPD $13, Y12, Y6, Y7
	VANDPD Y7, Y5, Y5
	VADDPD Y6, Y0, Y7
	VCMPPD $2, Y2, Y7, Y7
	VANDPD Y7, Y5, Y5

	// t = (e2 · q) * inv
	VMULPD 192(SI), Y1, Y7
	VMULPD 224(SI), Y3, Y8
	VADDPD Y8, Y7, Y7
	VMULPD 256(SI), Y11, Y8
	VADDPD Y8, Y7, Y7
	VMULPD Y4, Y7, Y7

	// valid &= t > 0 && t < tMax
	VCMPPD $14, Y12, Y7, Y8
	VANDPD Y8, Y5, Y5
	VBROADCASTSD tMax+16(FP), Y9
	VCMPPD $1, Y9, Y7, Y8
	VANDPD Y8, Y5, Y5

	VMOVUPD Y7, 0(DX)
	VMOVUPD Y0, 32(DX)
	VMOVUPD Y6, 64(DX)
	VMOVMSKPD Y5, AX
	VZEROUPPER
	MOVQ AX, ret+32(FP)
	RET
