package access

// The candidate index answers CASL's lookup (§2) with one probe of a hash table in the common
// case: the merged candidate list of every (action, subject type) pair that rules name is
// built once, with the rules for manage and for all merged in, and filed under the pair.

// candList is the candidate list of one (action, type) pair, highest priority first.
type candList struct {
	// The fields a type-level check reads come first, to share a cache line.
	ak, tk nameKey
	// typeAllowed is the answer of a type-level check without a field; decider is 1 + the
	// position in rules of the rule that gives it, 0 when none does.
	typeAllowed bool
	decider     int
	rules       []*rule
	action, typ string
	// invalid is the error of the first invalid rule in rules, nil when there is none.
	invalid *RuleError
}

// nameKey is a name's length and its first and last eight bytes (overlapping, or fewer bytes
// for names shorter than eight): enough to hash the name, and equal keys are equal names for
// names of up to 16 bytes.
type nameKey struct {
	lo, hi uint64
	n      int
}

func keyOf(s string) nameKey {
	n := len(s)
	switch {
	case n >= 8:
		return nameKey{le64(s), le64(s[n-8:]), n}
	case n >= 4:
		return nameKey{le32(s), le32(s[n-4:]), n}
	case n > 0:
		return nameKey{uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16, 0, n}
	}
	return nameKey{}
}

// le64 and le32 read the first bytes of s as a little-endian integer (one load each).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint64 {
	_ = s[3]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

func pairHash(a, t nameKey) uint64 {
	h := (a.lo ^ a.hi*0x9e3779b97f4a7c15 ^ uint64(a.n)) * 0xbf58476d1ce4e5b9
	h ^= t.lo ^ t.hi*0xc2b2ae3d27d4eb4f ^ uint64(t.n)<<32
	return h * 0x94d049bb133111eb
}

// maxProbe bounds the linear probing of the table: a rule list whose names collide more than
// that (names longer than 16 bytes that differ only in the middle) is indexed by a Go map.
const maxProbe = 8

// candIndex files candidate lists by (action, type) pair.
type candIndex struct {
	lists []candList
	// slots is an open-addressing table of 1 + positions in lists, 0 for a free slot, at most
	// half full; shift turns a pairHash into a slot.
	slots []uint32
	shift uint
	// byName replaces slots when the names collide too much.
	byName map[[2]string]int
	// manage and all are the keys of Manage and All; root is the position of (manage, all),
	// which every lookup falls back to.
	manage, all nameKey
	root        int
	// none is the candidates of every pair in a zero Ability: no rules.
	none candList
}

// find returns the list of (action, typ), or nil.
func (ix *candIndex) find(action, typ string, ak, tk nameKey) *candList {
	if ix.byName != nil {
		if i, ok := ix.byName[[2]string{action, typ}]; ok {
			return &ix.lists[i]
		}
		return nil
	}
	mask := uint64(len(ix.slots) - 1)
	for i := pairHash(ak, tk) >> ix.shift; ; i++ {
		p := ix.slots[i&mask]
		if p == 0 {
			return nil
		}
		l := &ix.lists[p-1]
		if l.ak == ak && l.tk == tk && (ak.n <= 16 || l.action == action) && (tk.n <= 16 || l.typ == typ) {
			return l
		}
	}
}

// lookup returns the candidates for action on typ. A type no rule names has the candidates
// of all; an action no rule for the type (or for all) names has those of manage.
func (ix *candIndex) lookup(action, typ string) *candList {
	ak, tk := keyOf(action), keyOf(typ)
	// The common case, short names found at the first probe, inline.
	if len(ix.slots) > 0 && ak.n <= 16 && tk.n <= 16 {
		if p := ix.slots[pairHash(ak, tk)>>ix.shift]; p != 0 {
			if l := &ix.lists[p-1]; l.ak == ak && l.tk == tk {
				return l
			}
		}
	}
	return ix.lookupAll(action, typ, ak, tk)
}

// lookupAll is lookup without its shortcut, ak and tk being the names' keys.
func (ix *candIndex) lookupAll(action, typ string, ak, tk nameKey) *candList {
	if len(ix.lists) == 0 {
		return &ix.none
	}
	if l := ix.find(action, typ, ak, tk); l != nil {
		return l
	}
	if l := ix.find(Manage, typ, ix.manage, tk); l != nil {
		return l
	}
	if l := ix.find(action, All, ak, ix.all); l != nil {
		return l
	}
	return &ix.lists[ix.root]
}

// build files the lists, which must not change afterwards.
func (ix *candIndex) build(lists []candList) {
	ix.lists = lists
	ix.manage, ix.all = keyOf(Manage), keyOf(All)
	size := 8
	for size < 2*len(lists) {
		size *= 2
	}
	ix.slots = make([]uint32, size)
	ix.shift = 64
	for n := size; n > 1; n /= 2 {
		ix.shift--
	}
	mask := uint64(size - 1)
	for j := range lists {
		l := &lists[j]
		l.ak, l.tk = keyOf(l.action), keyOf(l.typ)
		if l.action == Manage && l.typ == All {
			ix.root = j
		}
		i, probes := pairHash(l.ak, l.tk)>>ix.shift, 0
		for ix.slots[i&mask] != 0 {
			i++
			probes++
		}
		ix.slots[i&mask] = uint32(j + 1)
		if probes > maxProbe {
			ix.byName = map[[2]string]int{}
		}
	}
	if ix.byName != nil {
		ix.slots = nil
		for j, l := range lists {
			ix.byName[[2]string{l.action, l.typ}] = j
		}
	}
}
