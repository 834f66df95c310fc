/**
 * MJCF of Swimmer-v5: three 1 m capsules linked by two hinges, moving in the plane through a viscous medium.
 *
 * Physical parameters are those of Gymnasium's `swimmer.xml`: RK4 at 10 ms; medium density 4000 and viscosity
 * 0.1 (MuJoCo's inertia-box fluid model); capsules of radius 0.1, density 1000; no collisions (the floor included); root on two
 * slides and a hinge about z; hinge armature 0.1, the two body hinges limited to ±100°; motors of gear 150
 * on [−1, 1].
 */
export const SWIMMER_XML = `
<mujoco model="varl-swimmer">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4" density="4000" viscosity="0.1"/>
  <default>
    <joint armature="0.1"/>
    <geom type="capsule" contype="0" conaffinity="0" condim="1" rgba="0.85 0.55 0.35 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 -0.1" size="40 40 0.1" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 0">
      <geom density="1000" fromto="1.5 0 0 0.5 0 0" size="0.1"/>
      <joint name="slider1" type="slide" axis="1 0 0" pos="0 0 0"/>
      <joint name="slider2" type="slide" axis="0 1 0" pos="0 0 0"/>
      <joint name="free_body_rot" type="hinge" axis="0 0 1" pos="0 0 0"/>
      <body name="mid" pos="0.5 0 0">
        <geom density="1000" fromto="0 0 0 -1 0 0" size="0.1"/>
        <joint name="motor1_rot" type="hinge" axis="0 0 1" pos="0 0 0" limited="true" range="-100 100"/>
        <body name="back" pos="-1 0 0">
          <geom density="1000" fromto="0 0 0 -1 0 0" size="0.1"/>
          <joint name="motor2_rot" type="hinge" axis="0 0 1" pos="0 0 0" limited="true" range="-100 100"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor joint="motor1_rot" ctrllimited="true" ctrlrange="-1 1" gear="150.0"/>
    <motor joint="motor2_rot" ctrllimited="true" ctrlrange="-1 1" gear="150.0"/>
  </actuator>
</mujoco>
`;
