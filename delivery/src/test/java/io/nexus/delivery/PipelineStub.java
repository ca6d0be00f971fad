package io.nexus.delivery;

import groovy.lang.Closure;
import groovy.lang.GroovyObjectSupport;
import groovy.lang.GroovyShell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Runs a declarative Jenkinsfile with Groovy against recording stand-ins for the pipeline
 * steps: stages run in order, {@code when} decides, {@code sh} is recorded and answered by a
 * function of its script (exit status), {@code error} fails the run and skips later stages,
 * as Jenkins does.
 */
final class PipelineStub extends GroovyObjectSupport {

    /** What ran: "stage Build", "sh scripts/ci/build.sh", "skip Rollback", "error ...". */
    final List<String> events = new ArrayList<>();
    final Map<String, String> env = new HashMap<>();
    private final Function<String, Integer> shStatus;
    private boolean failed;

    private PipelineStub(Function<String, Integer> shStatus) {
        this.shStatus = shStatus;
    }

    /** Runs the repository's Jenkinsfile; {@code shStatus} gives each script's exit status. */
    static PipelineStub run(Function<String, Integer> shStatus) throws Exception {
        PipelineStub stub = new PipelineStub(shStatus);
        String source = Files.readString(Path.of("..", "Jenkinsfile"));
        groovy.lang.Script script = new GroovyShell().parse(source);
        Closure<?> body = new Closure<Object>(stub) {
            @Override
            public Object call() {
                return script.run();
            }
        };
        script.setBinding(new groovy.lang.Binding() {
            @Override
            public Object getVariable(String name) {
                return stub.getProperty(name);
            }
        });
        // Method calls of the script go to the stub.
        script.setMetaClass(new groovy.lang.DelegatingMetaClass(script.getMetaClass()) {
            @Override
            public Object invokeMethod(Object object, String name, Object[] args) {
                return stub.invokeMethod(name, args);
            }
        });
        body.call();
        return stub;
    }

    @Override
    public Object getProperty(String name) {
        return switch (name) {
            case "env" -> env;
            case "any" -> "any";
            default -> name;
        };
    }

    @Override
    public Object invokeMethod(String name, Object args) {
        Object[] arguments = (Object[]) args;
        switch (name) {
            case "pipeline", "stages", "steps", "script", "options", "environment", "always", "post" -> {
                return runClosure(arguments);
            }
            case "stage" -> {
                String stage = (String) arguments[0];
                if (failed) {
                    events.add("skip " + stage);
                    return null;
                }
                StageScope scope = new StageScope();
                Closure<?> closure = (Closure<?>) arguments[1];
                closure.setResolveStrategy(Closure.DELEGATE_FIRST);
                closure.setDelegate(scope);
                closure.call();
                if (scope.when != null && !scope.when.get()) {
                    events.add("skip " + stage);
                    return null;
                }
                events.add("stage " + stage);
                try {
                    runClosure(new Object[] {scope.steps});
                } catch (PipelineError e) {
                    failed = true;
                    events.add("error " + e.getMessage());
                }
                return null;
            }
            case "sh" -> {
                Object spec = arguments[0];
                String command = spec instanceof Map<?, ?> map ? (String) map.get("script") : spec.toString();
                events.add("sh " + command);
                int status = shStatus.apply(command);
                if (spec instanceof Map<?, ?> map && Boolean.TRUE.equals(map.get("returnStatus"))) {
                    return status;
                }
                if (status != 0) {
                    throw new PipelineError("script returned exit code " + status + ": " + command);
                }
                return null;
            }
            case "error" -> throw new PipelineError(arguments[0].toString());
            default -> {
                // agent, timeout, junit, archiveArtifacts, ...: recorded, no effect here.
                events.add("step " + name);
                return null;
            }
        }
    }

    private Object runClosure(Object[] arguments) {
        for (Object argument : arguments) {
            if (argument instanceof Closure<?> closure) {
                closure.setResolveStrategy(Closure.DELEGATE_FIRST);
                closure.setDelegate(this);
                return closure.call();
            }
        }
        return null;
    }

    /** Collects a stage's parts before it runs: its condition and its steps. */
    private final class StageScope extends GroovyObjectSupport {
        java.util.function.Supplier<Boolean> when;
        Closure<?> steps;

        @Override
        public Object invokeMethod(String name, Object args) {
            Object[] arguments = (Object[]) args;
            switch (name) {
                case "steps" -> steps = (Closure<?>) arguments[0];
                case "when" -> {
                    Closure<?> condition = (Closure<?>) arguments[0];
                    WhenScope whenScope = new WhenScope();
                    condition.setResolveStrategy(Closure.DELEGATE_FIRST);
                    condition.setDelegate(whenScope);
                    condition.call();
                    when = whenScope.expression;
                }
                case "post" -> {
                    // Stage post actions (junit reports) are not part of the flow under test.
                }
                default -> PipelineStub.this.invokeMethod(name, args);
            }
            return null;
        }

        @Override
        public Object getProperty(String name) {
            return PipelineStub.this.getProperty(name);
        }
    }

    private final class WhenScope extends GroovyObjectSupport {
        java.util.function.Supplier<Boolean> expression;

        @Override
        public Object invokeMethod(String name, Object args) {
            if (name.equals("expression")) {
                Closure<?> closure = (Closure<?>) ((Object[]) args)[0];
                closure.setResolveStrategy(Closure.DELEGATE_FIRST);
                closure.setDelegate(PipelineStub.this);
                expression = () -> Boolean.TRUE.equals(closure.call());
            }
            return null;
        }
    }

    static final class PipelineError extends RuntimeException {
        PipelineError(String message) {
            super(message);
        }
    }
}
