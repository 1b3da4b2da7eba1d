using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;

namespace Warden.Server.Relay;

/// <summary>
/// Stops tool calls the client did not offer (issue 19): a call whose name the request did not declare, or whose
/// arguments are not a complete JSON object. A relay or a compromised upstream that adds such a call to a coding agent's
/// answer could make the agent run a command on the user's machine.
/// </summary>
/// <remarks>
/// For streams, one guard per stream observes the canonical events in order. The name is checked at the call's start,
/// before any of its bytes are written; the arguments when the call's block stops. While a call is open
/// (<see cref="Holding"/>), the relay holds back everything it would write, and releases it when the call has passed:
/// the client never sees a byte of a call that is then stopped (not its name, not a fragment of its arguments). The
/// price is that a client streaming a call's arguments into its interface sees them arrive at the call's end, not piece
/// by piece; a call cannot be acted on before its end anyway. On streams without tool calls the cost is one type test
/// per event; the declared names are read from the request only when the first call appears.
/// </remarks>
internal sealed class ToolCallGuard(Func<DeclaredTools> declared)
{
    private DeclaredTools? _declared;
    private int _openCall = -1;
    private StringBuilder? _arguments;

    /// <summary>A tool call is open: what the relay would write now must wait until it has passed.</summary>
    public bool Holding => _openCall >= 0;

    /// <summary>Set once a call was stopped; the stream then ends with the protocol's error.</summary>
    public ToolCallRefusal? Refusal { get; private set; }

    /// <summary>The request's declared tools, read on first use.</summary>
    public DeclaredTools Declared => _declared ??= declared();

    /// <summary>Observes one event; false when it stops the answer (see <see cref="Refusal"/>).</summary>
    public bool Observe(StreamEvent streamEvent)
    {
        if (Refusal is not null)
        {
            return false;
        }

        switch (streamEvent)
        {
            case BlockStarted { Kind: BlockKind.ToolCall } started:
                if (!Declared.Contains(started.ToolName))
                {
                    Refusal = new ToolCallRefusal(ToolCallRefusalReason.UndeclaredName, started.ToolName);
                    return false;
                }

                _openCall = started.Index;
                (_arguments ??= new StringBuilder()).Clear();
                return true;
            case ToolArgumentsDelta delta when delta.Index == _openCall:
                _arguments!.Append(delta.Json);
                return true;
            case BlockStopped stopped when stopped.Index == _openCall:
                _openCall = -1;
                if (!AreArguments(_arguments!.ToString()))
                {
                    Refusal = new ToolCallRefusal(ToolCallRefusalReason.InvalidArguments, null);
                    _arguments.Clear();
                    return false;
                }

                _arguments.Clear();
                return true;
            default:
                return true;
        }
    }

    /// <summary>The first tool call of a complete answer that must be stopped, or null when every call may pass.</summary>
    public static ToolCallRefusal? Check(CanonicalResponse answer, Func<DeclaredTools> declared)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(declared);
        DeclaredTools? names = null;
        foreach (var block in answer.Content)
        {
            if (block is UnknownBlock item && Core.Dialects.WireDialects.For(item.Origin).IsClientRunItem(item.Type))
            {
                // An item the client runs that the canonical model does not carry as a tool call (Responses' local_shell_call, …).
                names ??= declared();
                if (Protocols.ClientProtocol.For(item.Origin).CheckClientRunItem(item.Raw, names) is { } itemRefusal)
                {
                    return itemRefusal;
                }

                continue;
            }

            if (block is not ToolCallBlock call)
            {
                continue;
            }

            names ??= declared();
            if (!names.Contains(call.Name))
            {
                return new ToolCallRefusal(ToolCallRefusalReason.UndeclaredName, call.Name);
            }

            if (!AreArguments(call.ArgumentsJson))
            {
                return new ToolCallRefusal(ToolCallRefusalReason.InvalidArguments, null);
            }
        }

        return null;
    }

    /// <summary>
    /// A complete JSON object, or nothing at all: a call of a tool without parameters may come with no arguments
    /// (Anthropic's empty input, a Chat call with ""), which every client reads as {}.
    /// </summary>
    public static bool AreArguments(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = Core.Dialects.OpenAIChat.ChatRequestInspector.MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
