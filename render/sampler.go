package render

import "math/bits"

// Sampler hands out the random numbers of one sample of one pixel. Every
// value is a pure function of (seed, pixel, sample index, dimension), so the
// same sample is the same wherever and whenever it is rendered.
//
// Each pair of dimensions is a 2D Sobol (0,2)-sequence, Owen-scrambled with a
// hash of (seed, pixel, dimension) (Burley 2020, "Practical Hash-based Owen
// Scrambling"). The sample index is shuffled first by another nested uniform
// scramble with a per-dimension seed (Burley's shuffling): that permutation
// maps every aligned power-of-two block of indices onto another aligned
// block, so every power-of-two prefix of samples stays a stratified net,
// while the dimension pairs are decorrelated from each other (a plain XOR
// of the index is not enough: Sobol points are linear in the index).
//
// The values are computed in the bit-reversed domain, where the scramble is
// a plain integer hash (laineKarras): owenScramble(v, s) is
// reverse(laineKarras(reverse(v), s)), and the reversals that meet in the
// chain index → shuffled index → Sobol point → scrambled point cancel (the
// first Sobol dimension is itself reverse(i); the second is read from a
// table of reversed generator rows, reversal being linear over XOR). Three
// bit reversals a pair instead of seven, two for a single value, and the
// same numbers as the plain chain (TestSamplerMatchesPlainOwenChain).
//
// The hashes of (pixel, dimension) are the same for every sample of a
// pixel, and the renderer draws a pixel's samples in a row (renderTile):
// the sampler keeps them for the dimensions the pixel's samples have used
// (memo), so that a sample after the first of a run computes only what
// depends on its index. The values stay the same pure function (the memo
// is a cache keyed by the arguments of Start they depend on).
type Sampler struct {
	pixelSeed uint32
	revIndex  uint32 // reverse(index)
	dim       uint32
	memoN     uint32 // memo[:memoN] are valid
	memo      [len(dimHashes)]dimSeeds
	// The Start arguments pixelSeed and memo belong to (memoOK false:
	// none yet).
	memoX, memoY int
	memoSeed     uint32
	memoOK       bool
}

// dimSeeds are one dimension pair's hashes for one pixel: h (the first
// value's scramble), the index shuffle's seed hash1(h^0x9e3779b9) and the
// second value's scramble hash1(h+0x68bc21eb).
type dimSeeds struct{ h, shuffle, y uint32 }

// Start positions the sampler on sample index of pixel (x, y).
func (s *Sampler) Start(seed uint32, x, y int, index int) {
	if !s.memoOK || x != s.memoX || y != s.memoY || seed != s.memoSeed {
		s.pixelSeed = hash3(uint32(x), uint32(y), seed)
		s.memoX, s.memoY, s.memoSeed, s.memoOK = x, y, seed, true
		s.memoN = 0
	}
	s.revIndex = bits.Reverse32(uint32(index))
	s.dim = 0
}

// fill computes dimension d's hashes and keeps them when d is the next
// one the memo lacks (next's slow path).
func (s *Sampler) fill(d uint32) dimSeeds {
	h := hash1(s.pixelSeed ^ dimHash(d))
	e := dimSeeds{h, hash1(h ^ 0x9e3779b9), hash1(h + 0x68bc21eb)}
	if d == s.memoN && d < uint32(len(s.memo)) {
		s.memo[d] = e
		s.memoN++
	}
	return e
}

// next returns the next dimension pair's hashes, from the memo when an
// earlier sample of the pixel computed them, and the shuffled sample index.
func (s *Sampler) next() (e dimSeeds, i uint32) {
	d := s.dim
	s.dim++
	if d < s.memoN {
		e = s.memo[d]
	} else {
		e = s.fill(d)
	}
	return e, bits.Reverse32(laineKarras(s.revIndex, e.shuffle))
}

// Get1D returns the next value in [0, 1): the first value of the next pair
// (the pair's second value is not computed).
func (s *Sampler) Get1D() float64 {
	e, i := s.next()
	return toUnit(bits.Reverse32(laineKarras(i, e.h)))
}

// Get2D returns the next pair in [0, 1)².
func (s *Sampler) Get2D() (float64, float64) {
	e, i := s.next()
	x := laineKarras(i, e.h)
	y := laineKarras(sobolYRev(i), e.y)
	// Both reversals in one: reverse64(y‖x) = reverse32(x)‖reverse32(y)
	// (Go has no bit-reverse instruction on amd64; Reverse64 costs as much
	// as Reverse32).
	r := bits.Reverse64(uint64(y)<<32 | uint64(x))
	return toUnit(uint32(r >> 32)), toUnit(uint32(r))
}

// Get3D returns the next triple in [0, 1)³: the first three dimensions
// of the Sobol sequence at the shuffled index, each Owen-scrambled with
// its own seed, so the three are stratified jointly (any elementary box
// of the 3D net holds its share of the samples). Its first two values are
// Get2D's pair. Cycles draws its light choice and light position, and its
// closure choice and BSDF direction, as one such triple
// (path_state_rng_3D with PRNG_LIGHT and PRNG_SURFACE_BSDF in
// kernel/integrator/shade_surface.h, the choice taking z): the samples
// that choose one light or lobe then still cover its 2D domain evenly,
// which two independently shuffled sequences do not do.
func (s *Sampler) Get3D() (float64, float64, float64) {
	e, i := s.next()
	x := laineKarras(i, e.h)
	y := laineKarras(sobolYRev(i), e.y)
	z := bits.Reverse32(laineKarras(sobolZRev(i), hash1(e.h+0x2c1b3c6d)))
	r := bits.Reverse64(uint64(y)<<32 | uint64(x)) // as in Get2D
	return toUnit(uint32(r >> 32)), toUnit(uint32(r)), toUnit(z)
}

// dimHash is hash1(dim+0x9e3779b9), the dimension's part of hash2, from a
// table for the dimensions every path uses.
func dimHash(dim uint32) uint32 {
	if dim < uint32(len(dimHashes)) {
		return dimHashes[dim]
	}
	return hash1(dim + 0x9e3779b9)
}

var dimHashes = func() (t [128]uint32) {
	for d := range t {
		t[d] = hash1(uint32(d) + 0x9e3779b9)
	}
	return t
}()

// sobolYRev is reverse(sobol2(i)'s second value).
func sobolYRev(i uint32) uint32 {
	return sobolYR[0][i&0xff] ^ sobolYR[1][(i>>8)&0xff] ^ sobolYR[2][(i>>16)&0xff] ^ sobolYR[3][i>>24]
}

// sobolYR is sobolY with every entry bit-reversed; read-only after init.
var sobolYR = func() (t [4][256]uint32) {
	for k := range t {
		for b := range t[k] {
			t[k][b] = bits.Reverse32(sobolY[k][b])
		}
	}
	return t
}()

// sobolZRev is reverse(sobol3(i)'s third value).
func sobolZRev(i uint32) uint32 {
	return sobolZR[0][i&0xff] ^ sobolZR[1][(i>>8)&0xff] ^ sobolZR[2][(i>>16)&0xff] ^ sobolZR[3][i>>24]
}

// sobolZR[k][b] is the bit-reversed contribution of byte k of the index
// having value b to the third Sobol dimension (primitive polynomial
// x² + x + 1, initial direction numbers m = 1, 3: Joe and Kuo's
// new-joe-kuo-6.21201, dimension 3); read-only after init.
var sobolZR = func() (t [4][256]uint32) {
	var v [32]uint32
	v[0] = 1 << 31 // m1 = 1
	v[1] = 3 << 29 // m2 = 3
	for k := 2; k < 32; k++ {
		// s = 2, a = 1: v_k = v_{k-1} ^ v_{k-2} ^ (v_{k-2} >> 2)
		v[k] = v[k-1] ^ v[k-2] ^ (v[k-2] >> 2)
	}
	for k := 0; k < 4; k++ {
		for b := 0; b < 256; b++ {
			var z uint32
			for j := 0; j < 8; j++ {
				if b&(1<<j) != 0 {
					z ^= v[8*k+j]
				}
			}
			t[k][b] = bits.Reverse32(z)
		}
	}
	return t
}()

// sobol2 returns the first two dimensions of the Sobol sequence as 32-bit
// fixed point: the van der Corput sequence and the second Sobol dimension,
// the latter by byte-wise lookup of its generator matrix.
func sobol2(i uint32) (uint32, uint32) {
	return bits.Reverse32(i), sobolY[0][i&0xff] ^ sobolY[1][(i>>8)&0xff] ^ sobolY[2][(i>>16)&0xff] ^ sobolY[3][i>>24]
}

// sobolY[k][b] is the second Sobol dimension's contribution of byte k of
// the index having value b; read-only after init.
var sobolY = func() (t [4][256]uint32) {
	var v [32]uint32
	v[0] = 1 << 31
	for k := 1; k < 32; k++ {
		v[k] = v[k-1] ^ (v[k-1] >> 1)
	}
	for k := 0; k < 4; k++ {
		for b := 0; b < 256; b++ {
			var y uint32
			for j := 0; j < 8; j++ {
				if b&(1<<j) != 0 {
					y ^= v[8*k+j]
				}
			}
			t[k][b] = y
		}
	}
	return t
}()

// owenScramble is the Laine-Karras style nested uniform scramble with
// Burley's improved hash constants.
func owenScramble(x, seed uint32) uint32 {
	return bits.Reverse32(laineKarras(bits.Reverse32(x), seed))
}

// laineKarras is the scramble on bit-reversed values: every bit is
// flipped by a hash of the bits below it (above it, before reversal).
func laineKarras(x, seed uint32) uint32 {
	x ^= x * 0x3d20adea
	x += seed
	x *= (seed >> 16) | 1
	x ^= x * 0x05526c56
	x ^= x * 0x53a22864
	return x
}

func toUnit(x uint32) float64 {
	// 2^-32; the largest value stays below 1.
	return float64(x) * (1.0 / 4294967296.0)
}

// hash1 is a 32-bit integer finaliser (lowbias32 by Chris Wellons).
func hash1(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}

func hash2(a, b uint32) uint32    { return hash1(a ^ hash1(b+0x9e3779b9)) }
func hash3(a, b, c uint32) uint32 { return hash1(a ^ hash2(b, c)) }
