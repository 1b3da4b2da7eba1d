namespace Warden.Server.Simulator;

/// <summary>Which tool call the inject-tool faults add to an answer (issue 19: no tool call the client did not offer).</summary>
internal enum SimulatorToolInjection
{
    None,

    /// <summary>inject-tool: a call to <see cref="SimulatorInjectedCall.ToolName"/>, which no request declares, with valid JSON arguments.</summary>
    UndeclaredName,

    /// <summary>inject-tool-badargs: a call to the first declared tool (else the undeclared one) whose arguments are not JSON.</summary>
    BadArguments,
}
