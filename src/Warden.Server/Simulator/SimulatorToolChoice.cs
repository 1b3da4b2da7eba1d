namespace Warden.Server.Simulator;

internal enum SimulatorToolChoice
{
    Auto,
    None,
    Required,

    /// <summary>tool_choice named one function; see <see cref="SimulatorChatRequest.ToolChoiceName"/>.</summary>
    Named,
}
