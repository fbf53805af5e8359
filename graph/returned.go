package graph

// Returned is what a query costs once it has run: one, and one for each object in a list or a page
// of its answer's data (the JSON gqlgen wrote). It counts what measure priced before the query ran,
// in the answer itself, so a page that finds nothing costs almost nothing.
func Returned(data []byte) int {
	n := 1
	var inString, escaped bool
	// open holds, for each container the scanner is inside, whether it is a list; the depth limit
	// keeps it short.
	open := make([]bool, 0, 32)
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{':
			if len(open) > 0 && open[len(open)-1] {
				n++
			}
			open = append(open, false)
		case '[':
			open = append(open, true)
		case '}', ']':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		}
	}
	return n
}
