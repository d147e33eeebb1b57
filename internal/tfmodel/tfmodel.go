// Package tfmodel moves a resource's values between Terraform's wire form (tftypes.Value)
// and the resource's model struct, like the plugin framework's Plan.Get and State.Set,
// without the framework's per-call reflection: terraform-plugin-framework v1.19 compiles a
// regular expression for every struct field on every Get and Set, which was about a tenth
// of the provider's CPU in a 100-host plan (make bench). Field tags and the object type are
// looked up once per model type.
//
// A model is a struct whose exported fields carry a `tfsdk:"name"` tag and hold attr.Value
// types (types.String, types.List, ...), one per schema attribute, as the framework wants.
// Its embedded structs (untagged anonymous fields) are followed, as the framework does: a
// resource can declare its attributes in parts, one struct per feature.
package tfmodel

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Schema is the part of what tfsdk.Plan, tfsdk.State and tfsdk.Config carry as their
// Schema field that this package needs.
type Schema interface {
	Type() attr.Type
}

// layout is what is looked up once per model type.
type layout struct {
	fields  []field
	objType basetypes.ObjectType
	tfType  tftypes.Type
}

type field struct {
	index []int // reflect.Value.FieldByIndex: through embedded structs
	name  string
	typ   attr.Type
}

var layouts sync.Map // reflect.Type of the model struct -> *layout

// layoutOf returns the layout of model type t against schema s. The first schema seen for a
// model type is kept: a model type belongs to one resource schema.
func layoutOf(ctx context.Context, t reflect.Type, s Schema) (*layout, error) {
	if l, ok := layouts.Load(t); ok {
		return l.(*layout), nil
	}
	obj, ok := s.Type().(basetypes.ObjectType)
	if !ok {
		return nil, fmt.Errorf("schema type is %T, not an object", s.Type())
	}
	l := &layout{objType: obj, tfType: obj.TerraformType(ctx)}
	seen := map[string]bool{}
	if err := l.addFields(t, nil, obj, seen); err != nil {
		return nil, err
	}
	for name := range obj.AttrTypes {
		if !seen[name] {
			return nil, fmt.Errorf("%s has no field tagged %q for the schema attribute", t, name)
		}
	}
	actual, _ := layouts.LoadOrStore(t, l)
	return actual.(*layout), nil
}

// addFields adds the tagged fields of struct type t (at index path at) and of the structs it
// embeds.
func (l *layout) addFields(t reflect.Type, at []int, obj basetypes.ObjectType, seen map[string]bool) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), at...), i)
		name := f.Tag.Get("tfsdk")
		if name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := l.addFields(f.Type, index, obj, seen); err != nil {
				return err
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		typ, ok := obj.AttrTypes[name]
		if !ok {
			return fmt.Errorf("%s.%s: the schema has no attribute %q", t, f.Name, name)
		}
		if !f.Type.Implements(reflect.TypeOf((*attr.Value)(nil)).Elem()) {
			return fmt.Errorf("%s.%s is a %s, not an attr.Value", t, f.Name, f.Type)
		}
		if seen[name] {
			return fmt.Errorf("%s.%s: attribute %q has two fields", t, f.Name, name)
		}
		seen[name] = true
		l.fields = append(l.fields, field{index: index, name: name, typ: typ})
	}
	return nil
}

func structPtr(target any) (reflect.Value, error) {
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, fmt.Errorf("target is %T, not a pointer to a model struct", target)
	}
	return v.Elem(), nil
}

// Get fills the model *target from from, a tfsdk.Config, tfsdk.Plan or tfsdk.State, as
// from.Get(ctx, target) would.
func Get(ctx context.Context, from any, target any) diag.Diagnostics {
	var diags diag.Diagnostics
	var s Schema
	var raw tftypes.Value
	switch d := from.(type) {
	case tfsdk.Config:
		s, raw = d.Schema, d.Raw
	case tfsdk.Plan:
		s, raw = d.Schema, d.Raw
	case tfsdk.State:
		s, raw = d.Schema, d.Raw
	default:
		diags.AddError("Value Conversion Error", fmt.Sprintf("This is always a bug in the provider: cannot read a model from a %T", from))
		return diags
	}
	v, err := structPtr(target)
	if err == nil && s == nil {
		err = fmt.Errorf("%T has no schema", from)
	}
	if err == nil {
		err = get(ctx, s, raw, v)
	}
	if err != nil {
		diags.AddError("Value Conversion Error", "An unexpected error was encountered reading the resource's data. "+
			"This is always a bug in the provider: "+err.Error())
	}
	return diags
}

func get(ctx context.Context, s Schema, raw tftypes.Value, v reflect.Value) error {
	l, err := layoutOf(ctx, v.Type(), s)
	if err != nil {
		return err
	}
	if !raw.IsKnown() || raw.IsNull() {
		return fmt.Errorf("the whole object is null or unknown")
	}
	var vals map[string]tftypes.Value
	if err := raw.As(&vals); err != nil {
		return err
	}
	for _, f := range l.fields {
		val, err := f.typ.ValueFromTerraform(ctx, vals[f.name])
		if err != nil {
			return fmt.Errorf("attribute %q: %w", f.name, err)
		}
		fv := v.FieldByIndex(f.index)
		rv := reflect.ValueOf(val)
		if !rv.Type().AssignableTo(fv.Type()) {
			return fmt.Errorf("attribute %q: a %s cannot go in a %s field", f.name, rv.Type(), fv.Type())
		}
		fv.Set(rv)
	}
	return nil
}

// Set replaces the data of to, a *tfsdk.Plan or *tfsdk.State, with the model (a struct or a
// pointer to one), as to.Set(ctx, model) would. Every field must hold a value of its
// attribute's type; on error to is left as it was.
func Set(ctx context.Context, to any, model any) diag.Diagnostics {
	var diags diag.Diagnostics
	var s Schema
	var raw *tftypes.Value
	switch d := to.(type) {
	case *tfsdk.Plan:
		s, raw = d.Schema, &d.Raw
	case *tfsdk.State:
		s, raw = d.Schema, &d.Raw
	default:
		diags.AddError("Value Conversion Error", fmt.Sprintf("This is always a bug in the provider: cannot write a model into a %T", to))
		return diags
	}
	if s == nil {
		diags.AddError("Value Conversion Error", fmt.Sprintf("This is always a bug in the provider: %T has no schema", to))
		return diags
	}
	out, err := value(ctx, s, model)
	if err != nil {
		diags.AddError("Value Conversion Error", "An unexpected error was encountered writing the resource's data. "+
			"This is always a bug in the provider: "+err.Error())
		return diags
	}
	*raw = out
	return diags
}

func value(ctx context.Context, s Schema, model any) (tftypes.Value, error) {
	v := reflect.ValueOf(model)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return tftypes.Value{}, fmt.Errorf("model is %T, not a model struct", model)
	}
	l, err := layoutOf(ctx, v.Type(), s)
	if err != nil {
		return tftypes.Value{}, err
	}
	vals := make(map[string]tftypes.Value, len(l.fields))
	for _, f := range l.fields {
		av := v.FieldByIndex(f.index).Interface().(attr.Value)
		if t := av.Type(ctx); !t.Equal(f.typ) {
			return tftypes.Value{}, fmt.Errorf("attribute %q holds a %s, the schema wants a %s", f.name, t, f.typ)
		}
		tv, err := av.ToTerraformValue(ctx)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("attribute %q: %w", f.name, err)
		}
		vals[f.name] = tv
	}
	if err := tftypes.ValidateValue(l.tfType, vals); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(l.tfType, vals), nil
}
