// Package arch holds no code: its test checks who in this module may import whom (docs/architecture.md),
// so that a change that adds a forbidden import fails CI instead of quietly bending the layering.
package arch
