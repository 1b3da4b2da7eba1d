namespace Warden.Server.Simulator;

/// <summary>
/// What every endpoint of one simulator asks for an answer: it holds the host's randomness for sampled answers, the
/// dishonest modes and the replay store, and hands the rest to <see cref="SimulatorAnswerComposer"/>.
/// </summary>
internal sealed class SimulatorAnswerSource
{
    private readonly SimulatorSampler _sampler;
    private readonly SimulatorReplayCache _replays = new();

    public SimulatorAnswerSource(SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Dishonesty = options.Dishonesty;
        _sampler = new SimulatorSampler(options.SamplingSeed);
    }

    public SimulatorDishonesty Dishonesty { get; }

    /// <summary>
    /// The answer to <paramref name="request"/>; <paramref name="replayKey"/> is the conversation's key when the replay
    /// mode is on (<see cref="SimulatorReplayCache.Key"/>), else null.
    /// </summary>
    public SimulatorAnswer Answer(SimulatorChatRequest request, SimulatorFaultPlan faults, string simRequestId, string? replayKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        SimulatorAnswer Compose()
        {
            SimulatorSeed? sample = request.Sampling.IsSampled ? _sampler.Next() : null;
            return SimulatorAnswerComposer.Compose(request, faults, simRequestId, sample, Dishonesty);
        }

        return Dishonesty.Replay && replayKey is not null ? _replays.GetOrAdd(replayKey, Compose) : Compose();
    }
}
