package access

import "testing"

// TestDecoderTakesValidJSON: valid documents are decoded by the hand-written decoder itself,
// not handed to encoding/json (FuzzDecoder checks that both agree).
func TestDecoderTakesValidJSON(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"flat", `{"n":0,"owner":"u0"}`},
		{"spaces", " {\n\t\"a\" : [ 1 , -2.5e3 , true , false , null ] } \r\n"},
		{"escapes", `{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800"}`},
		{"nested", `{"a":{"b":[{"c":{}},[]]}}`},
		{"repeated_key", `{"a":1,"b":2,"a":3}`},
		{"index_keys", `{"b":1,"2":2,"1":3}`},
		{"scalar", `"x"`},
		{"big_number", `123456789012345678901234567890`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decode(tt.doc, &arena{})
			if !ok {
				t.Fatalf("decode(%q) gave up", tt.doc)
			}
			want, err := parseJSONStd([]byte(tt.doc))
			if err != nil || !sameJSON(got, want) {
				t.Errorf("decode(%q) = %s, encoding/json: %s, %v", tt.doc, appendJS(nil, got), appendJS(nil, want), err)
			}
		})
	}
}

// TestDecoderGivesUp: what encoding/json's Decoder tolerates or words in its own way is left
// to it.
func TestDecoderGivesUp(t *testing.T) {
	for _, doc := range []string{`{} x`, `{} 1`, `1x`, `"\xff"`, `{"a":1,}`, `[1 2]`, ``, `01`} {
		if v, ok := decode(doc, &arena{}); ok {
			t.Errorf("decode(%q) = %s, want to give up", doc, appendJS(nil, v))
		}
	}
}
