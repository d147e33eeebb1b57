// Package validators holds the provider's custom attribute validators, each telling the
// operator what is wrong and how to write it instead.
package validators

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/hardenops/terraform-provider-ntopng/internal/ntopngconf"
)

// AbsolutePath accepts an absolute path without control characters.
func AbsolutePath() validator.String { return absolutePath{} }

type absolutePath struct{}

func (absolutePath) Description(context.Context) string { return "must be an absolute path" }
func (v absolutePath) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (absolutePath) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := CheckAbsolutePath(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Path", err.Error())
	}
}

// CheckAbsolutePath is AbsolutePath's rule.
func CheckAbsolutePath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q is not an absolute path: write the full path starting with /", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < ' ' || p[i] == 0x7f {
			return fmt.Errorf("%q contains a control character at byte %d: remove it", p, i)
		}
	}
	if strings.HasSuffix(p, "/") && p != "/" {
		return fmt.Errorf("%q ends with /: name the file, not a directory", p)
	}
	return nil
}

// Listen accepts ntopng web listener values: "disabled", "PORT", ":PORT", "IPv4:PORT", "[IPv6]:PORT".
func Listen() validator.String { return listen{} }

type listen struct{}

func (listen) Description(context.Context) string {
	return `"disabled", "PORT", ":PORT", "IPv4:PORT" or "[IPv6]:PORT" (no host names)`
}
func (v listen) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (listen) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := ntopngconf.ParseListen(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Listen Address", err.Error())
	}
}

// Duration accepts a positive Go duration such as "30s" or "2m".
func Duration() validator.String { return duration{} }

type duration struct{}

func (duration) Description(context.Context) string {
	return `a positive Go duration such as "30s" or "2m"`
}
func (v duration) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (duration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%q is not a positive duration: write it like \"30s\" or \"2m\".", req.ConfigValue.ValueString()))
	}
}

// Func turns a check of a plain string into a validator: title heads the error, the check's
// error is its text. It lets a pure package own the rule (one rule, one place).
func Func(title, description string, check func(string) error) validator.String {
	return funcValidator{title, description, check}
}

type funcValidator struct {
	title, description string
	check              func(string) error
}

func (v funcValidator) Description(context.Context) string             { return v.description }
func (v funcValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v funcValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.title, err.Error())
	}
}
