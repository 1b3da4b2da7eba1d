namespace Warden.Server.Simulator;

/// <summary>
/// One streamed delta between the role chunk and the finish chunk. Text is referenced as a range of
/// the answer's strings so a huge answer is not copied into thousands of small strings up front.
/// </summary>
internal readonly record struct SimulatorStreamDelta(SimulatorStreamDeltaKind Kind, int CallIndex, Range Text)
{
    /// <summary>
    /// Reasoning first (as DeepSeek streams it), then content or, per tool call, a header delta
    /// followed by at least two argument pieces (clients must cope with split arguments).
    /// </summary>
    /// <remarks>contentChunkChars is separate because huge-N uses larger pieces so the event (and flush) count stays proportionate.</remarks>
    public static List<SimulatorStreamDelta> Plan(SimulatorAnswer answer, int chunkChars, int contentChunkChars)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var deltas = new List<SimulatorStreamDelta>();
        var pieces = new List<Range>();
        if (answer.ReasoningContent is { } reasoning)
        {
            SimulatorText.Split(reasoning, chunkChars, pieces);
            deltas.AddRange(pieces.Select(piece => new SimulatorStreamDelta(SimulatorStreamDeltaKind.Reasoning, 0, piece)));
        }

        if (answer.Content is { } content)
        {
            pieces.Clear();
            SimulatorText.Split(content, contentChunkChars, pieces);
            deltas.AddRange(pieces.Select(piece => new SimulatorStreamDelta(SimulatorStreamDeltaKind.Content, 0, piece)));
        }

        for (var i = 0; i < answer.ToolCalls.Count; i++)
        {
            var index = i;
            var arguments = answer.ToolCalls[i].Arguments;
            deltas.Add(new SimulatorStreamDelta(SimulatorStreamDeltaKind.ToolCallStart, index, default));
            pieces.Clear();
            SimulatorText.Split(arguments, Math.Max(1, Math.Min(chunkChars, (arguments.Length + 1) / 2)), pieces);
            deltas.AddRange(pieces.Select(piece => new SimulatorStreamDelta(SimulatorStreamDeltaKind.ToolCallArguments, index, piece)));
        }

        return deltas;
    }
}
