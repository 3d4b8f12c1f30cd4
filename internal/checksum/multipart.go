package checksum

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strconv"
)

// Composite is the COMPOSITE checksum of a multipart object:
// base64(alg(concatenation of the raw part checksums)) + "-N".
func Composite(alg Algorithm, partChecksums [][]byte) string {
	h := alg.New()
	for _, c := range partChecksums {
		h.Write(c)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partChecksums))
}

// MultipartETag is the ETag of a multipart object, without quotes:
// hex(md5(concatenation of the raw part MD5s)) + "-N".
func MultipartETag(partMD5s [][]byte) string {
	h := md5.New()
	for _, m := range partMD5s {
		h.Write(m)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partMD5s))
}

// Part is one part's raw CRC checksum and its length, for FullObjectCRC.
type Part struct {
	Checksum []byte
	Size     int64
}

// FullObjectCRC combines part CRCs into the CRC of the whole object, as S3
// does for FULL_OBJECT multipart checksums. Only CRC32, CRC32C and CRC64NVME
// can be combined; ok is false otherwise or when a part checksum has the
// wrong length. The result is the raw big-endian checksum.
func FullObjectCRC(alg Algorithm, parts []Part) (sum []byte, ok bool) {
	poly, ok := reflectedPoly(alg)
	if !ok {
		return nil, false
	}
	width := alg.Size()
	var crc uint64
	for i, p := range parts {
		if len(p.Checksum) != width {
			return nil, false
		}
		part := decodeCRC(p.Checksum)
		if i == 0 {
			crc = part
			continue
		}
		crc = combineCRC(poly, width*8, crc, part, p.Size)
	}
	if len(parts) == 0 {
		crc = 0
	}
	return encodeCRC(crc, width), true
}

func reflectedPoly(alg Algorithm) (uint64, bool) {
	switch alg {
	case CRC32:
		return 0xedb88320, true
	case CRC32C:
		return 0x82f63b78, true
	case CRC64NVME:
		return 0x9a6c9329ac4bc9b5, true
	}
	return 0, false
}

func decodeCRC(b []byte) uint64 {
	if len(b) == 4 {
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

func encodeCRC(v uint64, width int) []byte {
	b := make([]byte, width)
	if width == 4 {
		binary.BigEndian.PutUint32(b, uint32(v))
	} else {
		binary.BigEndian.PutUint64(b, v)
	}
	return b
}

// combineCRC returns the CRC of A||B from crc(A), crc(B) and len(B), for a
// reflected CRC with all-ones init and final xor. It applies len2 zero bytes
// to crc1 through GF(2) matrix squaring (the zlib method) and xors in crc2.
func combineCRC(poly uint64, bits int, crc1, crc2 uint64, len2 int64) uint64 {
	if len2 <= 0 {
		return crc1
	}
	odd := make([]uint64, bits) // operator for one zero bit
	even := make([]uint64, bits)
	odd[0] = poly
	for n := 1; n < bits; n++ {
		odd[n] = 1 << (n - 1)
	}
	gf2Square(even, odd) // two zero bits
	gf2Square(odd, even) // four zero bits
	for {
		gf2Square(even, odd) // first pass: one zero byte
		if len2&1 != 0 {
			crc1 = gf2Times(even, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(odd, even)
		if len2&1 != 0 {
			crc1 = gf2Times(odd, crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}
