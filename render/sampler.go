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
type Sampler struct {
	pixelSeed uint32
	index     uint32
	dim       uint32
}

// Start positions the sampler on sample index of pixel (x, y).
func (s *Sampler) Start(seed uint32, x, y int, index int) {
	s.pixelSeed = hash3(uint32(x), uint32(y), seed)
	s.index = uint32(index)
	s.dim = 0
}

// Get1D returns the next value in [0, 1).
func (s *Sampler) Get1D() float64 {
	u, _ := s.Get2D()
	return u
}

// Get2D returns the next pair in [0, 1)².
func (s *Sampler) Get2D() (float64, float64) {
	h := hash2(s.pixelSeed, s.dim)
	s.dim++
	i := owenScramble(s.index, hash1(h^0x9e3779b9))
	x, y := sobol2(i)
	x = owenScramble(x, h)
	y = owenScramble(y, hash1(h+0x68bc21eb))
	return toUnit(x), toUnit(y)
}

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
	x = bits.Reverse32(x)
	x ^= x * 0x3d20adea
	x += seed
	x *= (seed >> 16) | 1
	x ^= x * 0x05526c56
	x ^= x * 0x53a22864
	return bits.Reverse32(x)
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
