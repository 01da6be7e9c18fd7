package main

// FerretDB 1.24 derives a logger for every SQL statement it runs, with the statement's text as
// an attribute, and logs with it at debug level only. slog's default handler formats attributes
// as soon as they are added, so every statement paid for quoting its SQL into a buffer that was
// never written: 4% of FerretDB's CPU in the benchmark's profile. This handler keeps added
// attributes and groups as they are, and applies them only to a record that is written.

import (
	"context"
	"log/slog"
	"slices"
)

type lazyAttrs struct {
	inner slog.Handler
	// The WithAttrs and WithGroup calls made on this handler, in order.
	derive []func(slog.Handler) slog.Handler
}

func newLazyAttrs(inner slog.Handler) slog.Handler {
	return &lazyAttrs{inner: inner}
}

func (h *lazyAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *lazyAttrs) Handle(ctx context.Context, record slog.Record) error {
	handler := h.inner
	for _, derive := range h.derive {
		handler = derive(handler)
	}
	return handler.Handle(ctx, record)
}

func (h *lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(handler slog.Handler) slog.Handler { return handler.WithAttrs(attrs) })
}

func (h *lazyAttrs) WithGroup(name string) slog.Handler {
	return h.with(func(handler slog.Handler) slog.Handler { return handler.WithGroup(name) })
}

func (h *lazyAttrs) with(derive func(slog.Handler) slog.Handler) slog.Handler {
	return &lazyAttrs{inner: h.inner, derive: append(slices.Clip(h.derive), derive)}
}
