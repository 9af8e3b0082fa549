package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/google/go-cmp/cmp"
)

// listStep is one instant at which a register's list (restrictions, staff-safety markers) is
// checked: at that instant the list is want, oldest decision first, the expired left out.
type listStep[T any] struct {
	name string
	at   time.Time
	want []T
}

// checkListSteps sets the clock to each step's instant in turn and compares the register's
// list, as list reads it, with the step's want.
func checkListSteps[T any](t *testing.T, clk *clock.Fixed, what string, list func(context.Context) ([]T, error), steps []listStep[T], opts ...cmp.Option) {
	t.Helper()
	for _, tt := range steps {
		t.Run(tt.name, func(t *testing.T) {
			clk.Set(tt.at)
			got, err := list(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, opts...); diff != "" {
				t.Errorf("%s (-want +got):\n%s", what, diff)
			}
		})
	}
}
