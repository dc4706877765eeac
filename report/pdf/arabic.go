package pdf

// fpdf draws glyphs left to right, one per character, with no shaping.
// Arabic therefore has to be turned into its contextual presentation forms
// (Unicode Arabic Presentation Forms-A/B) and put in visual order here.
// This is a small reshaper for the letters of Arabic and Persian/Urdu
// names; it covers joining and the lam-alef ligatures, not full OpenType
// shaping.

// arabicForms are the isolated, final, initial and medial forms of a
// letter; initial and medial are 0 for right-joining letters.
type arabicForms [4]rune

const (
	formIsolated = 0
	formFinal    = 1
	formInitial  = 2
	formMedial   = 3
)

// dual builds the four forms of a dual-joining letter from its isolated form.
func dual(iso rune) arabicForms { return arabicForms{iso, iso + 1, iso + 2, iso + 3} }

// right builds the forms of a right-joining letter (joins only to the
// letter before it).
func right(iso rune) arabicForms { return arabicForms{iso, iso + 1, 0, 0} }

var arabicLetters = map[rune]arabicForms{
	0x0621: {0xFE80, 0, 0, 0}, // hamza: never joins
	0x0622: right(0xFE81),
	0x0623: right(0xFE83),
	0x0624: right(0xFE85),
	0x0625: right(0xFE87),
	0x0626: dual(0xFE89),
	0x0627: right(0xFE8D),
	0x0628: dual(0xFE8F),
	0x0629: right(0xFE93),
	0x062A: dual(0xFE95),
	0x062B: dual(0xFE99),
	0x062C: dual(0xFE9D),
	0x062D: dual(0xFEA1),
	0x062E: dual(0xFEA5),
	0x062F: right(0xFEA9),
	0x0630: right(0xFEAB),
	0x0631: right(0xFEAD),
	0x0632: right(0xFEAF),
	0x0633: dual(0xFEB1),
	0x0634: dual(0xFEB5),
	0x0635: dual(0xFEB9),
	0x0636: dual(0xFEBD),
	0x0637: dual(0xFEC1),
	0x0638: dual(0xFEC5),
	0x0639: dual(0xFEC9),
	0x063A: dual(0xFECD),
	0x0640: {0x0640, 0x0640, 0x0640, 0x0640}, // tatweel joins both ways
	0x0641: dual(0xFED1),
	0x0642: dual(0xFED5),
	0x0643: dual(0xFED9),
	0x0644: dual(0xFEDD),
	0x0645: dual(0xFEE1),
	0x0646: dual(0xFEE5),
	0x0647: dual(0xFEE9),
	0x0648: right(0xFEED),
	0x0649: right(0xFEEF),
	0x064A: dual(0xFEF1),
	// Persian and Urdu letters (Presentation Forms-A).
	0x067E: dual(0xFB56),  // peh
	0x0686: dual(0xFB7A),  // tcheh
	0x0698: right(0xFB8A), // jeh
	0x06A9: dual(0xFB8E),  // keheh
	0x06AF: dual(0xFB92),  // gaf
	0x06CC: dual(0xFBFC),  // farsi yeh
}

// lamAlef maps an alef variant following lam to its isolated ligature; the
// final form is the next code point.
var lamAlef = map[rune]rune{
	0x0622: 0xFEF5,
	0x0623: 0xFEF7,
	0x0625: 0xFEF9,
	0x0627: 0xFEFB,
}

// isArabicMark reports combining marks that are transparent to joining.
func isArabicMark(r rune) bool {
	return (r >= 0x0610 && r <= 0x061A) || (r >= 0x064B && r <= 0x065F) || r == 0x0670 ||
		(r >= 0x06D6 && r <= 0x06DC) || (r >= 0x06DF && r <= 0x06E4) || r == 0x06E7 || r == 0x06E8 ||
		(r >= 0x06EA && r <= 0x06ED)
}

// isRTL reports characters of right-to-left scripts (Arabic, Hebrew and
// their presentation forms).
func isRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFC)
}

func joinsBoth(r rune) bool {
	f, ok := arabicLetters[r]
	return ok && f[formInitial] != 0
}

func joinsRight(r rune) bool {
	f, ok := arabicLetters[r]
	return ok && f[formFinal] != 0
}

// shapeArabic replaces the letters of a logical-order string by their
// contextual forms. has reports whether a presentation form can be printed;
// a form no font has falls back to the plain letter, which still reads.
func shapeArabic(in []rune, has func(rune) bool) []rune {
	out := make([]rune, 0, len(in))
	// prevJoinable: the previous letter (skipping marks) joins to the left,
	// i.e. to this one.
	prevJoinable := false
	for i := 0; i < len(in); i++ {
		r := in[i]
		if isArabicMark(r) {
			out = append(out, r)
			continue
		}
		forms, ok := arabicLetters[r]
		if !ok {
			out = append(out, r)
			prevJoinable = false
			continue
		}
		next, nextAt := nextLetter(in, i+1)
		if r == 0x0644 && nextAt >= 0 && nextAt == i+1 {
			if lig, ok := lamAlef[next]; ok {
				if prevJoinable {
					lig++
				}
				if has(lig) {
					out = append(out, lig)
					i++
					prevJoinable = false // alef does not join to the left
					continue
				}
			}
		}
		nextJoins := nextAt >= 0 && joinsRight(next)
		form := formIsolated
		switch {
		case prevJoinable && nextJoins && forms[formMedial] != 0:
			form = formMedial
		case prevJoinable && forms[formFinal] != 0:
			form = formFinal
		case nextJoins && forms[formInitial] != 0:
			form = formInitial
		}
		g := forms[form]
		if g == 0 || !has(g) {
			g = r
		}
		out = append(out, g)
		prevJoinable = joinsBoth(r)
	}
	return out
}

// nextLetter returns the next non-mark rune from i, or -1.
func nextLetter(in []rune, i int) (rune, int) {
	for ; i < len(in); i++ {
		if !isArabicMark(in[i]) {
			return in[i], i
		}
	}
	return 0, -1
}

// reverseClusters puts a right-to-left run in visual (left-to-right drawing)
// order, keeping each combining mark after its base so it lands on it.
func reverseClusters(in []rune) []rune {
	out := make([]rune, 0, len(in))
	end := len(in)
	for end > 0 {
		start := end - 1
		for start > 0 && isArabicMark(in[start]) {
			start--
		}
		out = append(out, in[start:end]...)
		end = start
	}
	return out
}
