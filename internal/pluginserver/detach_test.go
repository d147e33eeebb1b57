package pluginserver

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// oneThing is a framework provider with one resource, x_thing, whose Read keeps its state.
type oneThing struct{}

func (oneThing) Metadata(_ context.Context, _ provider.MetadataRequest, r *provider.MetadataResponse) {
	r.TypeName = "x"
}
func (oneThing) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse)          {}
func (oneThing) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}
func (oneThing) DataSources(context.Context) []func() datasource.DataSource                        { return nil }
func (oneThing) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return thing{} }}
}

type thing struct{}

func (thing) Metadata(_ context.Context, _ resource.MetadataRequest, r *resource.MetadataResponse) {
	r.TypeName = "x_thing"
}
func (thing) Schema(_ context.Context, _ resource.SchemaRequest, r *resource.SchemaResponse) {
	r.Schema = schema.Schema{Attributes: map[string]schema.Attribute{"input": schema.StringAttribute{Optional: true}}}
}
func (thing) Create(context.Context, resource.CreateRequest, *resource.CreateResponse) {}
func (thing) Read(context.Context, resource.ReadRequest, *resource.ReadResponse)       {}
func (thing) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}
func (thing) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

type payloadKey struct{}

// TestRequestsLetGoOfTheirContext: the framework's server keeps every request's context until
// StopProvider; behind Detach, what stays of a request whose context holds 32 KiB (as gRPC's
// stream and terraform-plugin-go's loggers do, about 13 KiB) is under 1 KiB. The bare
// framework is measured too, so that this test fails if the measure cannot see the retention.
func TestRequestsLetGoOfTheirContext(t *testing.T) {
	ty := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"input": tftypes.String}}
	state, err := tfprotov6.NewDynamicValue(ty, tftypes.NewValue(ty, map[string]tftypes.Value{"input": tftypes.NewValue(tftypes.String, "a")}))
	if err != nil {
		t.Fatal(err)
	}
	req := &tfprotov6.ReadResourceRequest{TypeName: "x_thing", CurrentState: &state}
	perRequest := func(srv tfprotov6.ProviderServer) int64 {
		read := func() {
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, make([]byte, 32<<10)))
			resp, err := srv.ReadResource(ctx, req)
			cancel() // gRPC cancels the stream's context when the request ends
			if err != nil || len(resp.Diagnostics) > 0 || resp.NewState == nil {
				t.Fatalf("ReadResource: %v %v", err, resp)
			}
		}
		for range 50 {
			read()
		}
		const n = 1000
		before := liveHeap()
		for range n {
			read()
		}
		grown := liveHeap() - before
		runtime.KeepAlive(srv) // the server, and what it keeps, is live while measured
		return grown / n
	}
	bare := providerserver.NewProtocol6(oneThing{})()
	if got := perRequest(bare); got < 32<<10 {
		t.Fatalf("the bare framework keeps %d bytes per request; the test expects it to keep the 32 KiB context (has the framework stopped keeping contexts? then Detach can go)", got)
	}
	detached, err := Detach(providerserver.NewProtocol6(oneThing{})())
	if err != nil {
		t.Fatal(err)
	}
	if got := perRequest(detached); got > 1<<10 {
		t.Errorf("behind Detach, %d bytes stay per request; want under 1 KiB", got)
	}
}

// TestRequestContext: while the request runs its context answers as the request's (values,
// deadline, cancellation, derived contexts); once detached it holds no value, and a context
// derived from it before or after is still cancelled with the request.
func TestRequestContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, "v"))
	c := attach(parent)
	if c.Value(payloadKey{}) != "v" || c.Err() != nil || c.Done() != parent.Done() {
		t.Fatalf("attached: value %v, err %v", c.Value(payloadKey{}), c.Err())
	}
	before, stopBefore := context.WithCancel(c)
	defer stopBefore()
	fired := make(chan struct{})
	context.AfterFunc(before, func() { close(fired) })
	c.detach()
	if c.Value(payloadKey{}) != nil {
		t.Error("detached, the context still answers the request's value")
	}
	if c.Err() != nil || before.Err() != nil {
		t.Errorf("detached before the request ended: err %v, derived %v; want nil", c.Err(), before.Err())
	}
	after, stopAfter := context.WithCancel(c)
	defer stopAfter()
	cancel()
	<-before.Done()
	<-after.Done()
	<-fired
	if c.Err() != context.Canceled {
		t.Errorf("after the request: err %v, want context.Canceled", c.Err())
	}
}

// listing serves one list result and one read; everything else is the zero downstream.
type listing struct {
	downstream
	seen chan any // the payload value seen while listing, then after the stream was read
}

func (l listing) ListResource(ctx context.Context, _ *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	return &tfprotov6.ListResourceServerStream{Results: func(yield func(tfprotov6.ListResourceResult) bool) {
		l.seen <- ctx.Value(payloadKey{})
		yield(tfprotov6.ListResourceResult{DisplayName: "one"})
		go func() { l.seen <- ctx.Value(payloadKey{}) }()
	}}, nil
}

// TestStreamsDetachOnceRead: an RPC that answers with a stream keeps the request's context
// while terraform-plugin-go reads the stream, and lets go of it once the stream is read.
func TestStreamsDetachOnceRead(t *testing.T) {
	l := listing{seen: make(chan any, 2)}
	srv := server{l}
	ctx := context.WithValue(context.Background(), payloadKey{}, "v")
	resp, err := srv.ListResource(ctx, &tfprotov6.ListResourceRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for r := range resp.Results {
		names = append(names, r.DisplayName)
	}
	if len(names) != 1 || names[0] != "one" {
		t.Fatalf("results %v", names)
	}
	if v := <-l.seen; v != "v" {
		t.Errorf("while the stream was read, the value was %v", v)
	}
	if v := <-l.seen; v != nil {
		t.Errorf("once the stream was read, the value was still %v", v)
	}
}

// TestEveryRPCDetaches: server embeds nothing and has exactly downstream's methods, each of
// which passes its request through call, or for a stream through detachAfter: an RPC added
// to terraform-plugin-go fails to compile until it is written here, and none bypasses the
// wrapper.
func TestEveryRPCDetaches(t *testing.T) {
	st := reflect.TypeFor[server]()
	for i := range st.NumField() {
		if st.Field(i).Anonymous {
			t.Errorf("server embeds %s: its methods would bypass the wrapper", st.Field(i).Type)
		}
	}
	want := reflect.TypeFor[downstream]()
	if st.NumMethod() != want.NumMethod() {
		t.Errorf("server has %d methods, downstream %d", st.NumMethod(), want.NumMethod())
	}
	src, err := os.ReadFile("detach.go")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "detach.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && strings.Contains(string(src[fn.Recv.Pos()-1:fn.Recv.End()]), "server") && fn.Name.IsExported() {
			bodies[fn.Name.Name] = string(src[fn.Body.Pos()-1 : fn.Body.End()])
		}
	}
	for i := range want.NumMethod() {
		name := want.Method(i).Name
		body, ok := bodies[name]
		switch {
		case !ok:
			t.Errorf("%s is not written in detach.go", name)
		case !strings.Contains(body, "call(ctx, req, s.down."+name+")") && !(strings.Contains(body, "s.down."+name+"(c, req)") && strings.Contains(body, "detachAfter(c, ")):
			t.Errorf("%s does not pass its request through call or detachAfter:\n%s", name, body)
		}
	}
}
