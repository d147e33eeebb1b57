package pluginserver

import (
	"context"
	"iter"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// downstream is every interface terraform-plugin-go looks for on a provider server and the
// framework's server serves.
type downstream interface {
	tfprotov6.ProviderServerWithListResource
	tfprotov6.ProviderServerWithActions
	tfprotov6.ProviderServerWithStateStores
}

// server passes each request to down with a requestContext, and lets go of that context's
// parents when the request has ended: when the method returns, or for the RPCs that answer
// with a stream, when the stream has been read. It embeds nothing, so that every RPC of
// downstream is written here (TestEveryRPCDetaches).
type server struct {
	down downstream
}

var _ downstream = server{}

// requestContext is the context a request gets downstream. Until detach it answers as the
// request's own context; after, it keeps only the request's Done channel, so that whatever
// still holds it (the framework's list of cancel functions) holds a few hundred bytes, not
// the request's loggers and gRPC stream.
type requestContext struct {
	done   <-chan struct{}
	parent atomic.Pointer[context.Context]
}

func attach(ctx context.Context) *requestContext {
	c := &requestContext{done: ctx.Done()}
	c.parent.Store(&ctx)
	return c
}

// detach lets go of the request's context. Done stays the request's: a context derived
// downstream is still cancelled when the request's is.
func (c *requestContext) detach() { c.parent.Store(nil) }

func (c *requestContext) Deadline() (time.Time, bool) {
	if p := c.parent.Load(); p != nil {
		return (*p).Deadline()
	}
	return time.Time{}, false
}

func (c *requestContext) Done() <-chan struct{} { return c.done }

// Err is the request's error while attached; after, context.Canceled once Done is closed (a
// request that has ended was cancelled by gRPC, whatever the reason).
func (c *requestContext) Err() error {
	if p := c.parent.Load(); p != nil {
		return (*p).Err()
	}
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// Value is the request's value while attached (loggers, and the context package's own key, so
// that a context derived downstream registers with the request's), nil after.
func (c *requestContext) Value(key any) any {
	if p := c.parent.Load(); p != nil {
		return (*p).Value(key)
	}
	return nil
}

func (c *requestContext) String() string { return "pluginserver.requestContext" }

// call passes one request to f with a requestContext and detaches it when f returns.
func call[Req, Resp any](ctx context.Context, req Req, f func(context.Context, Req) (Resp, error)) (Resp, error) {
	c := attach(ctx)
	defer c.detach()
	return f(c, req)
}

// detachAfter is seq, detaching c once seq has been read to its end or abandoned.
func detachAfter[T any](c *requestContext, seq iter.Seq[T]) iter.Seq[T] {
	return func(yield func(T) bool) {
		defer c.detach()
		seq(yield)
	}
}

func (s server) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	return call(ctx, req, s.down.ValidateActionConfig)
}

func (s server) PlanAction(ctx context.Context, req *tfprotov6.PlanActionRequest) (*tfprotov6.PlanActionResponse, error) {
	return call(ctx, req, s.down.PlanAction)
}

func (s server) InvokeAction(ctx context.Context, req *tfprotov6.InvokeActionRequest) (*tfprotov6.InvokeActionServerStream, error) {
	c := attach(ctx)
	resp, err := s.down.InvokeAction(c, req)
	if err != nil || resp == nil || resp.Events == nil {
		c.detach()
		return resp, err
	}
	out := *resp
	out.Events = detachAfter(c, resp.Events)
	return &out, nil
}

func (s server) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return call(ctx, req, s.down.ValidateDataResourceConfig)
}

func (s server) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return call(ctx, req, s.down.ReadDataSource)
}

func (s server) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return call(ctx, req, s.down.ValidateEphemeralResourceConfig)
}

func (s server) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return call(ctx, req, s.down.OpenEphemeralResource)
}

func (s server) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return call(ctx, req, s.down.RenewEphemeralResource)
}

func (s server) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return call(ctx, req, s.down.CloseEphemeralResource)
}

func (s server) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return call(ctx, req, s.down.CallFunction)
}

func (s server) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return call(ctx, req, s.down.GetFunctions)
}

func (s server) ValidateListResourceConfig(ctx context.Context, req *tfprotov6.ValidateListResourceConfigRequest) (*tfprotov6.ValidateListResourceConfigResponse, error) {
	return call(ctx, req, s.down.ValidateListResourceConfig)
}

func (s server) ListResource(ctx context.Context, req *tfprotov6.ListResourceRequest) (*tfprotov6.ListResourceServerStream, error) {
	c := attach(ctx)
	resp, err := s.down.ListResource(c, req)
	if err != nil || resp == nil || resp.Results == nil {
		c.detach()
		return resp, err
	}
	out := *resp
	out.Results = detachAfter(c, resp.Results)
	return &out, nil
}

func (s server) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return call(ctx, req, s.down.GetMetadata)
}

func (s server) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return call(ctx, req, s.down.GetProviderSchema)
}

func (s server) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return call(ctx, req, s.down.GetResourceIdentitySchemas)
}

func (s server) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return call(ctx, req, s.down.ValidateProviderConfig)
}

func (s server) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return call(ctx, req, s.down.ConfigureProvider)
}

func (s server) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return call(ctx, req, s.down.StopProvider)
}

func (s server) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return call(ctx, req, s.down.ValidateResourceConfig)
}

func (s server) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return call(ctx, req, s.down.UpgradeResourceState)
}

func (s server) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return call(ctx, req, s.down.ReadResource)
}

func (s server) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return call(ctx, req, s.down.PlanResourceChange)
}

func (s server) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return call(ctx, req, s.down.ApplyResourceChange)
}

func (s server) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return call(ctx, req, s.down.ImportResourceState)
}

func (s server) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return call(ctx, req, s.down.MoveResourceState)
}

func (s server) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return call(ctx, req, s.down.UpgradeResourceIdentity)
}

func (s server) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return call(ctx, req, s.down.GenerateResourceConfig)
}

func (s server) ValidateStateStoreConfig(ctx context.Context, req *tfprotov6.ValidateStateStoreConfigRequest) (*tfprotov6.ValidateStateStoreConfigResponse, error) {
	return call(ctx, req, s.down.ValidateStateStoreConfig)
}

func (s server) ConfigureStateStore(ctx context.Context, req *tfprotov6.ConfigureStateStoreRequest) (*tfprotov6.ConfigureStateStoreResponse, error) {
	return call(ctx, req, s.down.ConfigureStateStore)
}

func (s server) ReadStateBytes(ctx context.Context, req *tfprotov6.ReadStateBytesRequest) (*tfprotov6.ReadStateBytesStream, error) {
	c := attach(ctx)
	resp, err := s.down.ReadStateBytes(c, req)
	if err != nil || resp == nil || resp.Chunks == nil {
		c.detach()
		return resp, err
	}
	out := *resp
	out.Chunks = detachAfter(c, resp.Chunks)
	return &out, nil
}

func (s server) WriteStateBytes(ctx context.Context, req *tfprotov6.WriteStateBytesStream) (*tfprotov6.WriteStateBytesResponse, error) {
	return call(ctx, req, s.down.WriteStateBytes)
}

func (s server) GetStates(ctx context.Context, req *tfprotov6.GetStatesRequest) (*tfprotov6.GetStatesResponse, error) {
	return call(ctx, req, s.down.GetStates)
}

func (s server) DeleteState(ctx context.Context, req *tfprotov6.DeleteStateRequest) (*tfprotov6.DeleteStateResponse, error) {
	return call(ctx, req, s.down.DeleteState)
}

func (s server) LockState(ctx context.Context, req *tfprotov6.LockStateRequest) (*tfprotov6.LockStateResponse, error) {
	return call(ctx, req, s.down.LockState)
}

func (s server) UnlockState(ctx context.Context, req *tfprotov6.UnlockStateRequest) (*tfprotov6.UnlockStateResponse, error) {
	return call(ctx, req, s.down.UnlockState)
}
