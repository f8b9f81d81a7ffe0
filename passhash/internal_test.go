package passhash

import (
	"context"
	"errors"
	"testing"
)

func TestQueuedHashGivesUpWithContext(t *testing.T) {
	h := NewScrypt(1)
	h.sem <- struct{}{} // every slot taken
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := h.Hash(ctx, "password123"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash(full, cancelled ctx) = %v, want context.Canceled", err)
	}
	if _, err := h.Verify(ctx, "00:"+string(make([]byte, 0)), "x"); err == nil {
		t.Errorf("Verify(malformed) = nil error")
	}
	<-h.sem
	if _, err := h.Hash(t.Context(), "password123"); err != nil {
		t.Errorf("Hash(free slot) = %v", err)
	}
}
