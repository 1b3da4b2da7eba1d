using System.Text.Json;
using Warden.Core.Dialects.Responses;
using Warden.Server.Protocols;
using Warden.Server.Relay;

namespace Warden.Server.Dialects.Responses;

/// <summary>Responses at the edge: its answers carry items the client runs (shell, patches), which the tool-call guard must see.</summary>
internal sealed class ResponsesProtocol() : ClientProtocol(ResponsesDialect.Instance)
{
    public override ToolCallRefusal? CheckClientRunEvent(ReadOnlySpan<byte> data, ToolCallGuard guard) => ResponsesClientCalls.CheckEvent(data, guard);

    public override ToolCallRefusal? CheckClientRunItem(JsonElement item, DeclaredTools declared) => ResponsesClientCalls.Check(item, declared);
}
