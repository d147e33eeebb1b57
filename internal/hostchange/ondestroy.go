package hostchange

// OnDestroy is what destroying a resource does with the file it manages (the resources'
// on_destroy attribute). Each resource allows a subset: see OnDestroyValues.
type OnDestroy string

const (
	// OnDestroyKeep stops managing the file and leaves it as the last apply wrote it.
	OnDestroyKeep OnDestroy = "keep"
	// OnDestroyRestore puts back the file as it was before the first apply (the copy named
	// with OriginalSuffix) and restarts the service.
	OnDestroyRestore OnDestroy = "restore"
	// OnDestroyRemove deletes the file.
	OnDestroyRemove OnDestroy = "remove"
)

// OnDestroyValues returns the values a resource allows, as strings in the order given, for
// its validator and its documentation.
func OnDestroyValues(allowed ...OnDestroy) []string {
	out := make([]string, len(allowed))
	for i, v := range allowed {
		out[i] = string(v)
	}
	return out
}
