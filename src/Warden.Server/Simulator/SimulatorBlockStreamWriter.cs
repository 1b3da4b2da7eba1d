namespace Warden.Server.Simulator;

/// <summary>The kind of block a streamed delta is written into (Anthropic content blocks, Responses output items).</summary>
internal enum SimulatorBlockKind
{
    None,
    Reasoning,
    Content,
    ToolCall,
}

/// <summary>
/// A stream writer for dialects that stream into blocks: a block opens when the delta kind changes or a tool
/// call starts (closing the open block first), and each other delta is written into the open block.
/// </summary>
internal abstract class SimulatorBlockStreamWriter(IReadOnlyList<SimulatorStreamDelta> plan) : SimulatorStreamWriter
{
    /// <summary>The block being written, or None between blocks.</summary>
    protected SimulatorBlockKind Open { get; private set; }

    public sealed override async ValueTask WriteDeltaAsync(SimulatorEventStream events, int index, CancellationToken cancellationToken)
    {
        var delta = plan[index];
        var wanted = delta.Kind switch
        {
            SimulatorStreamDeltaKind.Reasoning => SimulatorBlockKind.Reasoning,
            SimulatorStreamDeltaKind.Content => SimulatorBlockKind.Content,
            _ => SimulatorBlockKind.ToolCall,
        };
        if (wanted != Open || delta.Kind == SimulatorStreamDeltaKind.ToolCallStart)
        {
            await CloseOpenBlockAsync(events, cancellationToken);
            Open = wanted;
            await WriteBlockStartAsync(events, wanted, delta.CallIndex, cancellationToken);
        }

        if (delta.Kind == SimulatorStreamDeltaKind.ToolCallStart)
        {
            return;
        }

        await WriteBlockDeltaAsync(events, delta, cancellationToken);
    }

    /// <summary>Closes the open block, if any.</summary>
    protected async ValueTask CloseOpenBlockAsync(SimulatorEventStream events, CancellationToken cancellationToken)
    {
        if (Open == SimulatorBlockKind.None)
        {
            return;
        }

        await WriteBlockEndAsync(events, Open, cancellationToken);
        Open = SimulatorBlockKind.None;
    }

    /// <summary>The events that open a block; <paramref name="callIndex"/> names the tool call of a ToolCall block.</summary>
    protected abstract ValueTask WriteBlockStartAsync(SimulatorEventStream events, SimulatorBlockKind block, int callIndex, CancellationToken cancellationToken);

    /// <summary>The events for one piece of text or arguments in the open block.</summary>
    protected abstract ValueTask WriteBlockDeltaAsync(SimulatorEventStream events, SimulatorStreamDelta delta, CancellationToken cancellationToken);

    /// <summary>The events that close <paramref name="block"/>.</summary>
    protected abstract ValueTask WriteBlockEndAsync(SimulatorEventStream events, SimulatorBlockKind block, CancellationToken cancellationToken);
}
