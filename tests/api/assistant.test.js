'use strict';
// Cloud Assistant (issue 18) in the emulator, through the official SDK: commands kept and run,
// parameters, output and exit codes, stop and timeout, files sent, the assistant's status,
// and the guest's screenshot and NMI. The fake hypervisor's guest agent reads `echo`, `cat`,
// `sleep` and `exit` lines (hypervisor/fake/fake_driver.h); tests/system/assistant.test.js runs
// the same actions on a real guest.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

const { Ecs, REGION } = h;
let server, ecs, network, running, second;

const b64 = (s) => Buffer.from(s).toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64').toString();

async function results(invokeId, extra = {}) {
  const r = h.wire(await ecs.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
    regionId: REGION, invokeId, ...extra,
  })));
  return r.Invocation.InvocationResults.InvocationResult;
}

// Waits until every instance's part of the invocation is over; returns the results.
async function finished(invokeId, ms = 20000) {
  let rows;
  await h.waitFor(async () => {
    rows = await results(invokeId, { contentEncoding: 'PlainText' });
    return rows.length > 0 && rows.every((r) => !['Pending', 'Running', 'Stopping'].includes(r.InvocationStatus));
  }, ms, 100, `invocation ${invokeId} finished`);
  return rows;
}

before(async () => {
  server = await h.startServer({ delayMs: 0, extraArgs: ['--metrics-interval-ms', '200'] });
  ecs = h.ecsClient(server);
  network = await h.createNetwork(ecs, h.vpcClient(server));
  [running, second] = await h.runRunning(ecs, network, { amount: 2 });
});
after(async () => { if (server) await server.destroy(); });

test('CreateCommand, DescribeCommands, ModifyCommand; InvokeCommand with parameters on two instances', async () => {
  const script = 'echo hello {{name}} on {{ ACS::InstanceId }}\nexit 0\n';
  const made = h.wire(await ecs.createCommand(new Ecs.CreateCommandRequest({
    regionId: REGION, name: 'greet', type: 'RunShellScript', commandContent: b64(script),
    enableParameter: true, timeout: 30, description: 'says hello',
  })));
  assert.match(made.CommandId, /^c-/);
  const listed = h.wire(await ecs.describeCommands(new Ecs.DescribeCommandsRequest({ regionId: REGION, commandId: made.CommandId })));
  assert.equal(listed.TotalCount, 1);
  const cmd = listed.Commands.Command[0];
  assert.equal(unb64(cmd.CommandContent), script, 'Base64 by default');
  assert.deepEqual(cmd.ParameterNames.ParameterName, ['name']);
  assert.equal(cmd.Timeout, 30);
  await ecs.modifyCommand(new Ecs.ModifyCommandRequest({ regionId: REGION, commandId: made.CommandId, name: 'greet2', timeout: 40 }));
  const plain = h.wire(await ecs.describeCommands(new Ecs.DescribeCommandsRequest({ regionId: REGION, name: 'greet2', contentEncoding: 'PlainText' })));
  assert.equal(plain.Commands.Command[0].CommandContent, script);
  assert.equal(plain.Commands.Command[0].Timeout, 40);

  const inv = h.wire(await ecs.invokeCommand(new Ecs.InvokeCommandRequest({
    regionId: REGION, commandId: made.CommandId, instanceId: [running, second], parameters: { name: 'world' },
  })));
  assert.match(inv.InvokeId, /^t-/);
  const rows = await finished(inv.InvokeId);
  assert.equal(rows.length, 2);
  for (const r of rows) {
    assert.equal(r.InvocationStatus, 'Success', JSON.stringify(r));
    assert.equal(r.InvokeRecordStatus, 'Finished');
    assert.equal(r.ExitCode, 0);
    assert.equal(r.Output, `hello world on ${r.InstanceId}\n`);
    assert.ok(r.StartTime && r.FinishedTime);
  }
  const invs = h.wire(await ecs.describeInvocations(new Ecs.DescribeInvocationsRequest({ regionId: REGION, invokeId: inv.InvokeId, includeOutput: true })));
  const one = invs.Invocations.Invocation[0];
  assert.equal(one.InvocationStatus, 'Success');
  assert.equal(one.InvokeStatus, 'Finished');
  assert.equal(one.CommandName, 'greet2');
  assert.equal(one.InvokeInstances.InvokeInstance.length, 2);
  assert.match(unb64(one.InvokeInstances.InvokeInstance[0].Output), /^hello world/);
  const again = h.wire(await ecs.describeCommands(new Ecs.DescribeCommandsRequest({ regionId: REGION, commandId: made.CommandId })));
  assert.equal(again.Commands.Command[0].InvokeTimes, 1);

  // Parameters must match the command's.
  await h.expectError(ecs.invokeCommand(new Ecs.InvokeCommandRequest({
    regionId: REGION, commandId: made.CommandId, instanceId: [running], parameters: { other: 'x' },
  })), 'Parameter.NotMatched', 403);
  await ecs.deleteCommand(new Ecs.DeleteCommandRequest({ regionId: REGION, commandId: made.CommandId }));
  await h.expectError(ecs.deleteCommand(new Ecs.DeleteCommandRequest({ regionId: REGION, commandId: made.CommandId })), 'InvalidCmdId.NotFound', 404);
  await h.expectError(ecs.invokeCommand(new Ecs.InvokeCommandRequest({
    regionId: REGION, commandId: made.CommandId, instanceId: [running],
  })), 'InvalidCmdId.NotFound', 404);
});

test('RunCommand: a non-zero exit fails, stderr is in the output, StopInvocation stops, Timeout kills', async () => {
  const run = async (content, extra = {}) => h.wire(await ecs.runCommand(new Ecs.RunCommandRequest({
    regionId: REGION, type: 'RunShellScript', commandContent: content, contentEncoding: 'PlainText',
    instanceId: [running], ...extra,
  })));
  const bad = await run('echo out\necho oops >&2\nexit 7');
  assert.match(bad.CommandId, /^c-/);
  const [r] = await finished(bad.InvokeId);
  assert.equal(r.InvocationStatus, 'Failed');
  assert.equal(r.ErrorCode, 'ExitCodeNonzero');
  assert.equal(r.ExitCode, 7);
  assert.equal(r.Output, 'out\noops\n');
  // Not kept unless asked.
  const kept = h.wire(await ecs.describeCommands(new Ecs.DescribeCommandsRequest({ regionId: REGION, commandId: bad.CommandId })));
  assert.equal(kept.TotalCount, 0);

  const long = await run('echo started\nsleep 60');
  await h.waitFor(async () => (await results(long.InvokeId))[0].InvocationStatus === 'Running', 10000, 50, 'Running');
  await ecs.stopInvocation(new Ecs.StopInvocationRequest({ regionId: REGION, invokeId: long.InvokeId, instanceId: [running] }));
  const [stopped] = await finished(long.InvokeId);
  assert.equal(stopped.InvocationStatus, 'Stopped');
  assert.equal(stopped.InvokeRecordStatus, 'Stopped');

  const t0 = Date.now();
  const slow = await run('sleep 60', { timeout: 10 });
  const [timedOut] = await finished(slow.InvokeId, 30000);
  assert.equal(timedOut.InvocationStatus, 'Timeout');
  assert.equal(timedOut.ErrorCode, 'ExecutionTimeout');
  assert.ok(Date.now() - t0 >= 9000, 'it ran until its timeout');
  await h.expectError(ecs.stopInvocation(new Ecs.StopInvocationRequest({ regionId: REGION, invokeId: 't-nothere000000000000' })), 'InvalidInvokeId.NotFound', 404);
});

test('bad commands and targets get ECS codes; a stopped instance fails its part with InstanceNotRunning', async () => {
  const base = { regionId: REGION, commandContent: 'echo x', contentEncoding: 'PlainText' };
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunPerlScript', instanceId: [running] })), 'InvalidCmdType.NotFound', 403);
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunBatScript', instanceId: [running] })), 'InvalidInstance.NotMatch', 403);
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunShellScript', instanceId: ['i-nothere0000000000'] })), 'InvalidInstance.NotFound', 404);
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunShellScript', instanceId: [running], parameters: { a: 'b' } })), 'Parameter.Disabled', 404);
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunShellScript', name: 'n'.repeat(129), instanceId: [running] })), 'CmdName.ExceedLimit', 403);
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunShellScript', commandContent: 'x'.repeat(20000), instanceId: [running] })), 'CmdContent.ExceedLimit', 403);
  await h.expectError(ecs.createCommand(new Ecs.CreateCommandRequest({ regionId: REGION, name: 'x', type: 'RunShellScript', commandContent: 'not base64!' })), 'Invalid.CommandContent', 400);
  await h.expectError(ecs.createCommand(new Ecs.CreateCommandRequest({ regionId: REGION, name: 'x', type: 'RunShellScript', commandContent: b64('echo {{bad name}}'), enableParameter: true })), 'CmdParam.InvalidParamName', 403);
  const many = Array.from({ length: 101 }, (_, k) => `i-x${k}`);
  await h.expectError(ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunShellScript', instanceId: many })), 'InstanceIds.ExceedLimit', 403);

  const stoppedId = h.wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: 'ecs.g7.large', vSwitchId: network.vSwitchId, securityGroupId: network.securityGroupId,
  }))).InstanceId;
  await h.waitStatus(ecs, [stoppedId], 'Stopped');
  const mixed = h.wire(await ecs.runCommand(new Ecs.RunCommandRequest({ ...base, type: 'RunShellScript', instanceId: [running, stoppedId] })));
  const rows = await finished(mixed.InvokeId);
  const byId = Object.fromEntries(rows.map((r) => [r.InstanceId, r]));
  assert.equal(byId[stoppedId].InvocationStatus, 'Failed');
  assert.equal(byId[stoppedId].ErrorCode, 'InstanceNotRunning');
  assert.equal(byId[running].InvocationStatus, 'Success');
  const overall = h.wire(await ecs.describeInvocations(new Ecs.DescribeInvocationsRequest({ regionId: REGION, invokeId: mixed.InvokeId })));
  assert.equal(overall.Invocations.Invocation[0].InvocationStatus, 'PartialFailed');
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: stoppedId, force: true }));
});

test('SendFile writes a file the next command reads; an existing file is kept unless Overwrite', async () => {
  const sent = h.wire(await ecs.sendFile(new Ecs.SendFileRequest({
    regionId: REGION, name: 'app.conf', targetDir: '/etc/app', content: 'port=8080\n', instanceId: [running], fileMode: '0600',
  })));
  assert.match(sent.InvokeId, /^f-/);
  const done = async (invokeId) => {
    let inv;
    await h.waitFor(async () => {
      inv = h.wire(await ecs.describeSendFileResults(new Ecs.DescribeSendFileResultsRequest({ regionId: REGION, invokeId }))).Invocations.Invocation[0];
      return !['Pending', 'Running'].includes(inv.InvocationStatus);
    }, 10000, 100, 'file sent');
    return inv;
  };
  const inv = await done(sent.InvokeId);
  assert.equal(inv.InvocationStatus, 'Success');
  assert.equal(inv.TargetDir, '/etc/app');
  assert.equal(inv.FileMode, '0600');
  assert.equal(inv.VmCount, 1);
  const read = h.wire(await ecs.runCommand(new Ecs.RunCommandRequest({
    regionId: REGION, type: 'RunShellScript', commandContent: 'cat /etc/app/app.conf', contentEncoding: 'PlainText', instanceId: [running],
  })));
  assert.equal((await finished(read.InvokeId))[0].Output, 'port=8080\n');

  const again = h.wire(await ecs.sendFile(new Ecs.SendFileRequest({
    regionId: REGION, name: 'app.conf', targetDir: '/etc/app', content: b64('port=9090\n'), contentType: 'Base64', instanceId: [running],
  })));
  const refused = await done(again.InvokeId);
  assert.notEqual(refused.InvocationStatus, 'Success');
  assert.match(refused.InvokeInstances.InvokeInstance[0].ErrorInfo, /exists/);
  await h.expectError(ecs.sendFile(new Ecs.SendFileRequest({ regionId: REGION, name: 'a', targetDir: 'relative', content: 'x', instanceId: [running] })), 'FileTargetDir.Invalid', 403);
  await h.expectError(ecs.sendFile(new Ecs.SendFileRequest({ regionId: REGION, name: 'a', targetDir: '/tmp', content: 'x', fileMode: '999', instanceId: [running] })), 'FileMode.Invalid', 403);
  await h.expectError(ecs.sendFile(new Ecs.SendFileRequest({ regionId: REGION, name: 'a', targetDir: '/tmp', content: '%%%', contentType: 'Base64', instanceId: [running] })), 'FileContent.DecodeError', 403);
});

test('DescribeCloudAssistantStatus: the agent of a running guest answers, with its heartbeat and invocation counts', async () => {
  let st;
  await h.waitFor(async () => {
    st = h.wire(await ecs.describeCloudAssistantStatus(new Ecs.DescribeCloudAssistantStatusRequest({ regionId: REGION, instanceId: [running] })));
    return st.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0].CloudAssistantStatus === 'true';
  }, 10000, 200, 'the assistant answers');
  const s = st.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0];
  assert.equal(s.OSType, 'Linux');
  assert.match(s.LastHeartbeatTime, /^\d{4}-\d\d-\d\dT/);
  assert.ok(s.InvocationCount >= 3, JSON.stringify(s));
  await h.expectError(ecs.describeCloudAssistantStatus(new Ecs.DescribeCloudAssistantStatusRequest({ regionId: REGION, instanceId: ['i-nothere0000000000'] })), 'InvalidInstance.NotFound', 404);
});

test('GetInstanceScreenshot returns a PNG of a running guest; SendDiagnosticInterrupt reaches its kernel', async () => {
  const shot = h.wire(await ecs.getInstanceScreenshot(new Ecs.GetInstanceScreenshotRequest({ regionId: REGION, instanceId: running })));
  assert.equal(shot.InstanceId, running);
  assert.equal(Buffer.from(shot.Screenshot, 'base64').subarray(0, 4).toString('latin1'), '\x89PNG');
  await h.expectError(ecs.sendDiagnosticInterrupt(new Ecs.SendDiagnosticInterruptRequest({ regionId: REGION, instanceId: running, dryRun: true })), 'DryRunOperation', 400);
  await ecs.sendDiagnosticInterrupt(new Ecs.SendDiagnosticInterruptRequest({ regionId: REGION, instanceId: running }));
  await h.waitFor(async () => {
    const out = h.wire(await ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: REGION, instanceId: running })));
    return /NMI received/.test(Buffer.from(out.ConsoleOutput, 'base64').toString());
  }, 10000, 200, 'the NMI on the console');
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: second }));
  await h.waitStatus(ecs, [second], 'Stopped');
  await h.expectError(ecs.getInstanceScreenshot(new Ecs.GetInstanceScreenshotRequest({ regionId: REGION, instanceId: second })), 'IncorrectInstanceStatus', 403);
  await h.expectError(ecs.getInstanceScreenshot(new Ecs.GetInstanceScreenshotRequest({ regionId: REGION, instanceId: 'i-nothere0000000000' })), 'InvalidInstanceId.NotFound', 404);
});

test('DescribeInstancesFullStatus: Ok from the guest agent\'s heartbeat, Impaired once it stops answering for a minute', async () => {
  const clocked = await h.startServer({ delayMs: 0, extraArgs: ['--test-clock', '--metrics-interval-ms', '200'] });
  try {
    const e = h.ecsClient(clocked);
    const net = await h.createNetwork(e, h.vpcClient(clocked));
    const [id] = await h.runRunning(e, net);
    const health = async () => h.wire(await e.describeInstancesFullStatus(new Ecs.DescribeInstancesFullStatusRequest({
      regionId: REGION, instanceId: [id],
    }))).InstanceFullStatusSet.InstanceFullStatusType[0].HealthStatus.Name;
    await h.waitFor(async () => (await health()) === 'Ok', 10000, 100, 'Ok');
    const fault = async (alive) => assert.equal((await h.httpRequest({
      port: clocked.port, method: 'POST', path: `/openecs/fake/faults?instance=${id}&guest_agent=${alive}`,
    })).status, 200);
    await fault(0);
    await new Promise((r) => setTimeout(r, 1000));  // the host asks and hears nothing
    assert.equal(await health(), 'Ok', 'a missed heartbeat or two is not yet a failure');
    await h.operatorCall(clocked, 'POST', 'clock/advance?seconds=61');
    assert.equal(await health(), 'Impaired');
    const st = h.wire(await e.describeCloudAssistantStatus(new Ecs.DescribeCloudAssistantStatusRequest({ regionId: REGION, instanceId: [id] })));
    assert.equal(st.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0].CloudAssistantStatus, 'false');
    await fault(1);
    await h.waitFor(async () => (await health()) === 'Ok', 10000, 100, 'Ok again once it answers');
  } finally {
    await clocked.destroy();
  }
});
