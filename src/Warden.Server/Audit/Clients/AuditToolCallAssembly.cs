using System.Text;

namespace Warden.Server.Audit.Clients;

/// <summary>Tool calls assembled from a stream: the name arrives once, the arguments as text deltas, keyed by the
/// protocol's index (OpenAI's tool_calls index, Anthropic's block index, Responses' output index).</summary>
internal sealed class AuditToolCallAssembly
{
    private readonly SortedDictionary<int, (string Name, StringBuilder Arguments)> _calls = [];

    public void Start(int index, string name, string? arguments = null)
    {
        if (!_calls.TryGetValue(index, out var call))
        {
            call = (name, new StringBuilder());
            _calls[index] = call;
        }
        else if (call.Name.Length == 0 && name.Length > 0)
        {
            _calls[index] = (name, call.Arguments);
        }

        call.Arguments.Append(arguments);
    }

    public void Append(int index, string? delta)
    {
        if (!_calls.TryGetValue(index, out var call))
        {
            Start(index, "", delta);
            return;
        }

        call.Arguments.Append(delta);
    }

    public bool Has(int index) => _calls.ContainsKey(index);

    public int Count => _calls.Count;

    /// <summary>The calls in index order; empty arguments become "{}", as the non-streamed answers say them.</summary>
    public List<AuditToolCall> ToList() =>
        [.. _calls.Values.Select(static call => new AuditToolCall(call.Name, call.Arguments.Length == 0 ? "{}" : call.Arguments.ToString()))];
}
