// Parses Java sources with the JDK's own compiler front end (no classpath needed) and reports syntax
// errors only. Used by scripts/jsii-targets.sh on the code jsii-pacmak generates: compiling it needs
// the jsii runtime and the aws-cdk-lib and constructs jars from Maven, which CI cannot download.
//   java scripts/JavaParseCheck.java FILE.java...
import com.sun.source.util.JavacTask;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

public class JavaParseCheck {
  public static void main(String[] args) throws Exception {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null);
    List<File> sources = new ArrayList<>();
    for (String a : args) sources.add(new File(a));
    JavacTask task = (JavacTask) compiler.getTask(null, files, diagnostics, List.of("-proc:none"), null, files.getJavaFileObjectsFromFiles(sources));
    int units = 0;
    for (Object unit : task.parse()) units++;
    int errors = 0;
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        errors++;
        System.err.println(d);
      }
    }
    System.out.println("parsed " + units + " Java files, " + errors + " syntax errors");
    System.exit(errors == 0 && units == args.length ? 0 : 1);
  }
}
