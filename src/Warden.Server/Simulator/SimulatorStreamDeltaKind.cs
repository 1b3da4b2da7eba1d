namespace Warden.Server.Simulator;

internal enum SimulatorStreamDeltaKind
{
    Reasoning,
    Content,
    ToolCallStart,
    ToolCallArguments,
}
