package usd

// dictionaryLess orders names as OpenUSD's TfDictionaryLessThan does
// (pxr/base/tf/stringUtils.cpp), which is how UsdPrim orders property names:
// letters compare without case, runs of digits compare as numbers; on a
// tie the first difference in case puts the upper case first, then the
// number written with fewer leading zeros comes first.
func dictionaryLess(a, b string) bool {
	return dictionaryCompare(a, b) < 0
}

func dictionaryCompare(a, b string) int {
	i, j := 0, 0
	caseTie, zeroTie := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			si, sj := i, j
			for i < len(a) && a[i] == '0' {
				i++
			}
			for j < len(b) && b[j] == '0' {
				j++
			}
			zi, zj := i-si, j-sj
			ni, nj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			da, db := a[ni:i], b[nj:j]
			if len(da) != len(db) {
				return sign(len(da) - len(db))
			}
			if da != db {
				if da < db {
					return -1
				}
				return 1
			}
			if zeroTie == 0 && zi != zj {
				zeroTie = sign(zi - zj)
			}
			continue
		}
		la, lb := lower(ca), lower(cb)
		if la != lb {
			return sign(int(la) - int(lb))
		}
		if caseTie == 0 && ca != cb {
			caseTie = sign(int(ca) - int(cb)) // 'A' < 'a'
		}
		i++
		j++
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	case caseTie != 0:
		return caseTie
	}
	return zeroTie
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}
